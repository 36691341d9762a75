/**
 * tbot's command line as a tbot user types it, through the built CLI: config sources and their
 * errors, env vars against flags, --destination-dir, `start <kind>` appending to a config,
 * `configure` and its round trip, the honesty and no-outputs warnings, and the usage messages.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runTbot, type RunResult } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const HONESTY = /no Teleport cluster was contacted: every credential comes from this agent's local CA/g;
const NO_OUTPUTS = /no outputs are configured, so there is nothing to renew: add one under `services:`/g;
const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

async function statusKinds(dir: string, names: readonly string[]): Promise<string[]> {
  return Promise.all(names.map(async (name) => JSON.parse(await readFile(join(dir, name, 'tbot-status.json'), 'utf8')).kind as string));
}

describe('tbot command line compatibility', { concurrency: 4 }, () => {
  let workspace: Workspace;
  let fileConfig: string;
  let memoryConfig: string;
  const run = (args: string[], env: Record<string, string> = {}, cwd?: string): Promise<RunResult> =>
    runTbot(args, { cwd: cwd ?? workspace.dir, env: cleanEnv(env), timeoutMs: 20_000 });
  before(async () => {
    workspace = await makeWorkspace('tbot-cli-compat-');
    fileConfig = await workspace.write(
      'file.yaml',
      'version: v2\noneshot: true\nservices:\n  - {type: database, service: pg, destination: {type: directory, path: ./from-file}}\n',
    );
    memoryConfig = await workspace.write('memory.yaml', 'version: v2\noneshot: true\nservices:\n  - {type: database, service: pg, destination: {type: memory}}\n');
  });
  after(() => workspace.remove());

  describe('config sources', () => {
    it('TBOT_CONFIG_PATH that cannot be read is an error, never a run with no outputs', async () => {
      const result = await run(['start', '--oneshot'], { TBOT_CONFIG_PATH: join(workspace.dir, 'missing.yaml') });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /missing\.yaml: cannot read config: no such file/);
      assert.doesNotMatch(result.stderr, /renewal cycle complete/);
      const directory = await run(['analytics', 'preview'], { TBOT_CONFIG_PATH: workspace.dir });
      assert.equal(directory.code, 1);
      assert.match(directory.stderr, /cannot read config: it is a directory, not a regular file/);
    });

    it('TBOT_CONFIG with -c (or TBOT_CONFIG_PATH) is a usage error naming both', async () => {
      const base64 = Buffer.from('version: v2\n').toString('base64');
      const both = await run(['analytics', 'preview', '-c', fileConfig], { TBOT_CONFIG: base64 });
      assert.equal(both.code, 2);
      assert.match(both.stderr, /a config file \(--config\) and a base64 config \(--config-string \(from TBOT_CONFIG\)\) cannot both be given/);
      const viaEnv = await run(['analytics', 'preview'], { TBOT_CONFIG: base64, TBOT_CONFIG_PATH: fileConfig });
      assert.equal(viaEnv.code, 2);
    });

    it('TBOT_CONFIG that is not base64 says so; its YAML errors name TBOT_CONFIG', async () => {
      const bad = await run(['analytics', 'preview'], { TBOT_CONFIG: 'version: v2' });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /TBOT_CONFIG: cannot read config: it is not valid base64/);
      const wrong = await run(['analytics', 'preview'], { TBOT_CONFIG: Buffer.from('version: v2\noneshot: 3\n').toString('base64') });
      assert.match(wrong.stderr, /TBOT_CONFIG:2:10: oneshot: got a number/);
    });

    it("a flag beats its env var, and an env var beats the file, with tbot's warning", async () => {
      const result = await run(['start', '-c', memoryConfig], { TELEPORT_PROXY: 'env.example.com:443' });
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /overrides proxy_server/, 'the file has no proxy_server');
      const withFile = await workspace.write('proxy.yaml', 'version: v2\noneshot: true\nproxy_server: file.example.com:443\n');
      const overridden = await run(['start', '--allow-empty', '-c', withFile], { TELEPORT_PROXY: 'env.example.com:443' });
      assert.match(overridden.stderr, /WARN {2}--proxy-server \(from TELEPORT_PROXY\) overrides proxy_server from the config file/);
      const configured = await run(['configure', '--proxy-server', 'flag.example.com:443'], { TELEPORT_PROXY: 'env.example.com:443' });
      assert.match(configured.stdout, /^proxy_server: flag\.example\.com:443$/m);
    });

    it('TBOT_DEBUG takes Go booleans; anything else is a usage error', async () => {
      assert.match((await run(['start', '-c', memoryConfig], { TBOT_DEBUG: 't' })).stderr, / DEBUG /);
      assert.doesNotMatch((await run(['start', '-c', memoryConfig], { TBOT_DEBUG: 'false' })).stderr, / DEBUG /);
      const bad = await run(['start', '--oneshot'], { TBOT_DEBUG: 'maybe' });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /TBOT_DEBUG="maybe" is not true or false/);
    });

    it('debug: true in the file logs at debug level too', async () => {
      const path = await workspace.write('debug.yaml', 'version: v2\noneshot: true\ndebug: true\nservices: [{type: identity, destination: {type: memory}}]\n');
      assert.match((await run(['start', '-c', path])).stderr, / DEBUG /);
    });
  });

  describe('outputs from the command line', () => {
    it('--destination-dir replaces the configured outputs with one identity output, and warns', async () => {
      const cwd = join(workspace.dir, 'dest-dir');
      await workspace.write(
        'dest-dir.yaml',
        'version: v2\noneshot: true\noutputs:\n  - {type: database, service: pg, destination: {type: directory, path: ./db}}\nservices:\n  - {type: application, app_name: a, destination: {type: directory, path: ./app}}\n',
      );
      await mkdir(cwd);
      const result = await run(['start', '-c', join(workspace.dir, 'dest-dir.yaml'), '--destination-dir', './id'], {}, cwd);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /WARN {2}--destination-dir replaces the 2 output\(s\) and service\(s\) of the config file with one identity output in \.\/id/);
      assert.deepEqual((await readdir(cwd)).sort(), ['id']);
      assert.deepEqual(await statusKinds(cwd, ['id']), ['identity']);
    });

    it("start <kind> appends its output to the config file's, as tbot does", async () => {
      const cwd = join(workspace.dir, 'append');
      await mkdir(cwd);
      const result = await run(['start', 'app', '-c', fileConfig, '--destination', `file://${join(cwd, 'app')}`, '--app', 'grafana'], {}, cwd);
      assert.equal(result.code, 0, result.stderr);
      // One line per output renewed: the file's output and the appended one.
      assert.match(result.stderr, /renewal cycle complete output="database \(directory [^)]*\/from-file\)"/);
      assert.match(result.stderr, /renewal cycle complete output="application \(directory [^)]*\/app\)"/);
      assert.deepEqual(await statusKinds(cwd, ['from-file', 'app']), ['database', 'application']);
    });

    const kinds: [string, string[], string][] = [
      ['identity', ['identity', '--destination', './out'], 'identity'],
      ['database', ['db', '--destination', './out', '--service', 'pg', '--username', 'alice', '--database', 'orders', '--format', 'tls'], 'database'],
      ['kubernetes', ['k8s', '--destination', './out', '--kubernetes-cluster', 'prod'], 'kubernetes'],
      ['kubernetes/v2', ['k8s/v2', '--destination', './out', '--name-selector', 'prod', '--name-selector', 'staging', '--disable-exec-plugin'], 'kubernetes/v2'],
      ['application', ['app', '--destination', './out', '--app', 'grafana', '--specific-tls-extensions'], 'application'],
      ['spiffe-svid', ['spiffe-svid', '--destination', './out', '--svid-path', '/svc/web', '--dns-san', 'web.internal', '--ip-san', '10.0.0.7'], 'spiffe-svid'],
      ['workload-identity-x509', ['workload-identity-x509', '--destination', './out', '--name-selector', 'web', '--include-federated-trust-bundles'], 'workload-identity-x509'],
      [
        'workload-identity-jwt',
        ['workload-identity-jwt', '--destination', './out', '--name-selector', 'web', '--audience', 'vault', '--audience', 'https://api.example.test'],
        'workload-identity-jwt',
      ],
    ];
    for (const [name, args, kind] of kinds) {
      it(`configure ${name} → start -c runs the same output as start ${name} (round trip)`, async () => {
        const slug = name.replace('/', '-');
        const direct = join(workspace.dir, `direct-${slug}`);
        const viaFile = join(workspace.dir, `file-${slug}`);
        await Promise.all([mkdir(direct), mkdir(viaFile)]);
        const flags = [...args, '--oneshot', '--certificate-ttl', '30m', '--join-method', 'github'];
        const configured = await run(['configure', ...flags, '-o', 'tbot.yaml'], {}, viaFile);
        assert.equal(configured.code, 0, configured.stderr);
        assert.equal((await stat(join(viaFile, 'tbot.yaml'))).mode & 0o777, 0o600);
        assert.deepEqual(
          (await readdir(viaFile)).filter((entry) => entry.endsWith('.tmp')),
          [],
        );
        const yaml = await readFile(join(viaFile, 'tbot.yaml'), 'utf8');
        assert.match(yaml, /^# tbot config file generated by `configure` command\nversion: v2\nonboarding:\n {2}join_method: github\nservices:\n/);
        assert.match(yaml, /^credential_ttl: 30m0s$/m);
        const fromFlags = await run(['start', ...flags], {}, direct);
        const fromFile = await run(['start', '-c', 'tbot.yaml'], {}, viaFile);
        assert.equal(fromFlags.code, 0, fromFlags.stderr);
        assert.equal(fromFile.code, 0, fromFile.stderr);
        const [flagStatus, fileStatus] = await Promise.all([direct, viaFile].map(async (dir) => JSON.parse(await readFile(join(dir, 'out', 'tbot-status.json'), 'utf8'))));
        assert.equal(flagStatus.kind, kind);
        assert.equal(fileStatus.kind, kind);
        for (const status of [flagStatus, fileStatus]) assert.equal(Date.parse(status.expires_at) - Date.parse(status.renewed_at), 30 * 60_000);
        const names = async (dir: string) => (await readdir(join(dir, 'out'))).filter((entry) => !entry.startsWith('..') && !entry.startsWith('.')).sort();
        assert.deepEqual(await names(viaFile), await names(direct));
      });
    }

    it('configure prints to stdout by default, reads no config file, and says so', async () => {
      const result = await run(['configure', '-c', fileConfig, '--oneshot']);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout, /services:/);
      assert.match(result.stderr, /configure builds the config from its flags only/);
    });
  });

  describe('warnings at start', () => {
    const cases: { name: string; args: string[]; env?: Record<string, string>; yaml?: string; warned: boolean }[] = [
      { name: 'no onboarding, no address', args: [], warned: false },
      { name: 'a join method in the file', args: [], yaml: 'onboarding: {join_method: github}\n', warned: true },
      { name: 'a token in the file', args: [], yaml: 'onboarding: {token: abc}\n', warned: true },
      { name: 'proxy_server in the file', args: [], yaml: 'proxy_server: example.teleport.sh:443\n', warned: true },
      { name: '--join-method', args: ['--join-method', 'token'], warned: true },
      { name: '--auth-server', args: ['-a', 'auth.example.com:3025'], warned: true },
      { name: 'TELEPORT_BOT_TOKEN', args: [], env: { TELEPORT_BOT_TOKEN: 'abc' }, warned: true },
      { name: 'TELEPORT_PROXY', args: [], env: { TELEPORT_PROXY: 'example.teleport.sh:443' }, warned: true },
    ];
    for (const testCase of cases) {
      it(`the honesty warning is ${testCase.warned ? 'logged once' : 'absent'}: ${testCase.name}`, async () => {
        const path = await workspace.write(`honesty-${testCase.name.replace(/\W+/g, '-')}.yaml`, `version: v2\noneshot: true\n${testCase.yaml ?? ''}`);
        const result = await run(['start', '--allow-empty', '-c', path, ...testCase.args], testCase.env ?? {});
        assert.equal(result.code, 0, result.stderr);
        assert.equal(count(result.stderr, HONESTY), testCase.warned ? 1 : 0, result.stderr);
      });
    }

    it('the GitHub Actions docs config (services: []) fails its one-shot run unless --allow-empty, then starts with one no-outputs warning; analytics preview works on it', async () => {
      const path = await workspace.write(
        'gha.yaml',
        'version: v2\nproxy_server: example.teleport.sh:443\nonboarding:\n  join_method: github\n  token: example-bot\noneshot: true\nstorage:\n  type: memory\nservices: []\n',
      );
      const refused = await run(['start', '-c', path]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /this one-shot run has no outputs, so it would write nothing/);
      const started = await run(['start', '--allow-empty', '-c', path]);
      assert.equal(started.code, 0, started.stderr);
      assert.equal(count(started.stderr, NO_OUTPUTS), 1);
      const preview = await run(['analytics', 'preview', '--format', 'json', '-c', path]);
      assert.equal(preview.code, 0, preview.stderr);
      assert.deepEqual(JSON.parse(preview.stdout).body.start, {
        runMode: 'RUN_MODE_ONE_SHOT',
        version: '0.1.0',
        joinType: 'github',
        destinationsOther: 0,
        destinationsDatabase: 0,
        destinationsKubernetes: 0,
        destinationsApplication: 0,
      });
    });

    it('the what-is-sent pointer names the preview command and the docs page, not a path worked out from the install', async () => {
      const started = await run(['start', '--oneshot', '--allow-empty']);
      const status = await run(['analytics', 'status']);
      for (const text of [started.stderr, status.stdout]) {
        assert.match(text, /run `tbot analytics preview` for the exact request; the docs page "Anonymous analytics: what is sent" \(docs\/analytics\.md\) lists every field/);
        assert.doesNotMatch(text, /file:\/\/|README\.md#/);
      }
    });
  });

  describe('usage messages', () => {
    const cases: [string[], RegExp][] = [
      [['start', '--certifcate-ttl', '1h'], /^tbot: unknown flag --certifcate-ttl; did you mean --certificate-ttl\?\n/],
      [['start', '--join_method', 'github'], /^tbot: unknown flag --join_method; did you mean --join-method\?\n/],
      [['strat'], /^tbot: unknown command "strat"; did you mean "start"\?\n/],
      [['start', 'identiy', '--destination', 'x'], /^tbot: unknown command "identiy"; did you mean "identity"\?\n/],
      [['configure', 'databse'], /did you mean "database"\?/],
      [['start', '--destination-dirr', 'x'], /^tbot: unknown flag --destination-dirr; did you mean --destination-dir\?\n/],
      [['start', '--oneshot', '--oneshot'], /^tbot: --oneshot was given more than once; it takes one value\n/],
      [['start', 'db', '--destination', 'memory://'], /^tbot: missing required flags --service, --username, --database\n/],
      [['start', '--certificate-ttl'], /^tbot: --certificate-ttl needs a value\n/],
      // A short flag is named by its long name, as in every other message: never `--c`.
      [['start', '-c'], /^tbot: --config needs a value\n/],
      [['configure', '-o'], /^tbot: --output needs a value\n/],
    ];
    for (const [args, message] of cases) {
      it(`tbot ${args.join(' ')}: exit 2, ${message.source.slice(0, 60)}`, async () => {
        const result = await run(args);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, message);
        // One name per flag: no camelCase twin from yargs.
        assert.doesNotMatch(result.stderr, /[a-z][A-Z][a-z]+/);
      });
    }

    it('--fips is refused with a clear reason, before anything is written', async () => {
      const result = await run(['start', '--fips', '--destination-dir', './fips-out', '--oneshot']);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /flag --fips: fips: `fips: true` is valid in Teleport's tbot, but this agent cannot serve it: FIPS mode needs a binary built on a FIPS 140 validated crypto module/,
      );
      assert.ok(!(await readdir(workspace.dir)).includes('fips-out'));
    });
  });
});
