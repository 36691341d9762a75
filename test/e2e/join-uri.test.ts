/**
 * `--join-uri` on the start/configure forms and `join_uri:` in a file: parsed as tbot parses it
 * (refused with exit 2 on the command line), merged into the address, join method, token and the
 * method's parameter (so analytics reports the URI's join method), and a clash with what the
 * config already sets is an error located at the URI. `--registration-secret` goes into the
 * config. Neither the token nor the secret is ever echoed in a message.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runTbot, type RunResult } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const URI = 'tbot+proxy+bound-keypair://s3cr3t-token:reg-secret@example.teleport.sh:443';

describe('--join-uri and --registration-secret', { concurrency: 4 }, () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-join-uri-');
  });
  after(() => workspace.remove());
  const run = (args: string[], env: Record<string, string> = {}): Promise<RunResult> => runTbot(args, { cwd: workspace.dir, env: cleanEnv(env) });

  it('start <kind> --join-uri runs, and says the URI (like every cluster setting) is not used to join', async () => {
    const result = await run(['start', 'identity', '--destination', 'memory://', '--oneshot', '--join-uri', URI]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /no Teleport cluster was contacted: .* the configured join_method bound_keypair, a token, proxy_server, join_uri are not used/);
    assert.doesNotMatch(result.stderr, /s3cr3t-token|reg-secret/);
  });

  it('analytics reports the join method the URI names', async () => {
    await workspace.write(
      'uri.yaml',
      `version: v2\njoin_uri: ${URI.replace('bound-keypair', 'github').replace(':reg-secret', '')}\nservices: [{type: identity, destination: {type: memory}}]\n`,
    );
    const result = await run(['analytics', 'preview', '--format', 'json', '-c', 'uri.yaml'], { TELEPORT_ANONYMOUS_TELEMETRY: '1' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).body.start.joinType, 'github');
  });

  it('a URI tbot refuses is a usage error (exit 2) with tbot’s reason, on start and configure', async () => {
    const cases: [string, RegExp][] = [
      ['tbot+foo+token://t@h:1', /--join-uri: unsupported joining URI scheme "tbot\+foo\+token": address kind must be one of \["proxy", "auth"\], got: "foo"/],
      ['tbot+proxy+bar://s3cr3t-token@h:1', /--join-uri: unsupported join method "bar"/],
      ['https://example.com', /--join-uri: unsupported joining URI scheme: "https"/],
      ['tbot+proxy+token://example.com:443', /--join-uri: invalid joining URI: must contain join token in user field/],
    ];
    for (const [uri, message] of cases) {
      for (const command of ['start', 'configure']) {
        const result = await run([command, 'identity', '--destination', 'memory://', '--oneshot', '--join-uri', uri]);
        assert.equal(result.code, 2, `${command} ${uri}: ${result.stderr}`);
        assert.match(result.stderr, message);
        assert.doesNotMatch(result.stderr, /s3cr3t-token/);
      }
    }
  });

  it('tbot’s legacy form has no --join-uri: unknown flag, exit 2', async () => {
    const result = await run(['start', '--oneshot', '--join-uri', URI]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown flag --join-uri/);
  });

  it('a URI that clashes with the config is an error at the URI: the file’s line and column, or the flag', async () => {
    await workspace.write('clash.yaml', `version: v2\nproxy_server: other.example.com:443\njoin_uri: ${URI}\nservices: [{type: identity, destination: {type: memory}}]\n`);
    const fromFile = await run(['start', '--oneshot', '-c', 'clash.yaml']);
    assert.equal(fromFile.code, 1);
    assert.match(
      fromFile.stderr,
      /clash\.yaml:3:11: join_uri: the join URI sets the address, and proxy_server is also set; expected either the join URI or those fields, as in tbot/,
    );
    const fromFlags = await run(['start', 'identity', '--destination', 'memory://', '--oneshot', '--join-uri', URI, '--token', 'mine']);
    assert.equal(fromFlags.code, 1);
    assert.match(fromFlags.stderr, /flag --join-uri: join_uri: the join URI holds a token, and onboarding\.token is also set/);
    const secret = await run(['start', 'identity', '--destination', 'memory://', '--oneshot', '--join-uri', URI, '--registration-secret', 'other']);
    assert.equal(secret.code, 1);
    assert.match(secret.stderr, /the join URI's parameter conflicts with onboarding\.bound_keypair\.registration_secret/);
    assert.doesNotMatch(`${fromFile.stderr}${fromFlags.stderr}${secret.stderr}`, /s3cr3t-token|reg-secret/);
  });

  it('configure writes join_uri and registration_secret; start loads what it wrote', async () => {
    const written = await run(['configure', 'identity', '--destination', './out', '--join-uri', URI, '-o', 'uri-out.yaml']);
    assert.equal(written.code, 0, written.stderr);
    const withSecret = await run(['configure', 'identity', '--destination', './out', '--registration-secret', 'reg-1', '-o', 'secret-out.yaml']);
    assert.equal(withSecret.code, 0, withSecret.stderr);
    const { readFile } = await import('node:fs/promises');
    assert.match(await readFile(join(workspace.dir, 'uri-out.yaml'), 'utf8'), new RegExp(`^join_uri: ${URI.replaceAll('+', '\\+')}$`, 'm'));
    assert.match(await readFile(join(workspace.dir, 'secret-out.yaml'), 'utf8'), /^onboarding:\n {2}bound_keypair:\n {4}registration_secret: reg-1$/m);
    for (const file of ['uri-out.yaml', 'secret-out.yaml']) {
      const started = await run(['start', '--oneshot', '-c', file]);
      assert.equal(started.code, 0, `${file}: ${started.stderr}`);
      assert.match(started.stderr, /renewal cycle complete/);
    }
  });

  it('--registration-secret-path and --static-key-path go into the bound_keypair block; start loads it', async () => {
    const written = await run([
      'configure',
      'identity',
      '--destination',
      './out',
      '--registration-secret-path',
      '/etc/tbot/secret',
      '--static-key-path',
      '/etc/tbot/key.pem',
      '-o',
      'paths.yaml',
    ]);
    assert.equal(written.code, 0, written.stderr);
    const { readFile } = await import('node:fs/promises');
    assert.match(
      await readFile(join(workspace.dir, 'paths.yaml'), 'utf8'),
      /^onboarding:\n {2}bound_keypair:\n {4}registration_secret_path: \/etc\/tbot\/secret\n {4}static_private_key_path: \/etc\/tbot\/key\.pem$/m,
    );
    const started = await run(['start', '--oneshot', '-c', 'paths.yaml']);
    assert.equal(started.code, 0, started.stderr);
  });

  it('TBOT_REGISTRATION_SECRET is read by tbot only while joining: configure does not write it', async () => {
    const result = await run(['configure', 'identity', '--destination', 'memory://'], { TBOT_REGISTRATION_SECRET: 'from-env' });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /registration_secret|from-env/);
  });

  it('--registration-secret over a file’s registration_secret warns that it overrides it', async () => {
    await workspace.write(
      'secret.yaml',
      'version: v2\nonboarding: {join_method: bound_keypair, bound_keypair: {registration_secret: old}}\nservices: [{type: identity, destination: {type: memory}}]\n',
    );
    const result = await run(['start', 'identity', '--destination', 'memory://', '--oneshot', '-c', 'secret.yaml', '--registration-secret', 'new']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /WARN {2}--registration-secret overrides onboarding\.bound_keypair\.registration_secret from the config file/);
  });
});
