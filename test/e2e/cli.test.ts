/** The command line as users type it: version, help, usage errors, `analytics status` and `preview`. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { cleanEnv, CONFIG_DIR, runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('tbot CLI', () => {
  let workspace: Workspace;
  let receiver: Receiver;
  before(async () => {
    workspace = await makeWorkspace();
    receiver = await startReceiver('ok');
  });
  after(async () => {
    await receiver.close();
    await workspace.remove();
  });

  it('`tbot version` and `tbot --version` print the version from package.json', async () => {
    assert.equal((await runTbot(['version'])).stdout, 'tbot v0.1.0\n');
    assert.equal((await runTbot(['--version'])).stdout, '0.1.0\n');
  });

  it('--help lists the commands; start --help lists every start flag', async () => {
    const top = await runTbot(['--help']);
    assert.equal(top.code, 0);
    for (const command of ['start', 'configure', 'analytics', 'version']) assert.match(top.stdout, new RegExp(`tbot ${command}`));
    const start = await runTbot(['start', '--help']);
    for (const flag of [
      '--config',
      '--oneshot',
      '--join-method',
      '--token',
      '--proxy-server',
      '--auth-server',
      '--ca-pin',
      '--data-dir',
      '--storage',
      '--destination-dir',
      '--certificate-ttl',
      '--credential-ttl',
      '--renewal-interval',
      '--diag-addr',
      '--insecure',
      '--fips',
      '--anonymous-analytics',
      '--debug',
      '--log-format',
    ]) {
      assert.ok(start.stdout.includes(flag), `start --help lacks ${flag}`);
    }
  });

  const usageErrors = [
    ['bogus'],
    ['start', '--bogus'],
    ['analytics'],
    ['analytics', 'send'],
    ['start', '--token', 'a', '--token', 'b'],
    ['start', '--log-format', 'xml'],
    ['start', '--config'],
    ['start', '--oneshot', '--oneshot'],
    ['start', '-d', '--debug'],
    ['start', '--oneshot', '--no-oneshot'],
    ['configure', '-o', 'a.yaml', '--output', 'b.yaml'],
    ['start', 'identity'],
    ['start', 'database', '--destination', 'memory://'],
  ];
  for (const args of usageErrors) {
    it(`usage error for \`tbot ${args.join(' ')}\`: exit 2, message on stderr, nothing runs`, async () => {
      const run = await runTbot(args, { cwd: workspace.dir, timeoutMs: 10_000 });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^tbot: [\s\S]+\nRun "tbot --help" for usage\.\n$/);
      assert.equal(run.stdout, '');
    });
  }

  const statusRows: { name: string; args: string[]; env: Record<string, string>; enabled: boolean; source: string }[] = [
    { name: 'default', args: [], env: {}, enabled: false, source: 'default' },
    { name: 'YAML', args: ['-c', join(CONFIG_DIR, 'host-continuous.yaml')], env: {}, enabled: false, source: 'config' },
    { name: 'env', args: [], env: { TELEPORT_ANONYMOUS_TELEMETRY: 'true' }, enabled: true, source: 'env' },
    { name: 'flag', args: ['--anonymous-analytics'], env: { TELEPORT_ANONYMOUS_TELEMETRY: 'false' }, enabled: true, source: 'flag' },
    { name: 'DO_NOT_TRACK', args: ['--anonymous-analytics'], env: { DO_NOT_TRACK: '1' }, enabled: false, source: 'DO_NOT_TRACK' },
  ];
  for (const row of statusRows) {
    it(`analytics status reports the deciding source: ${row.name}`, async () => {
      const json = await runTbot(['analytics', 'status', '--format', 'json', ...row.args], { env: cleanEnv(row.env) });
      assert.equal(json.code, 0, json.stderr);
      const status = JSON.parse(json.stdout);
      assert.equal(status.enabled, row.enabled);
      assert.equal(status.source, row.source);
      const text = await runTbot(['analytics', 'status', ...row.args], { env: cleanEnv(row.env) });
      assert.match(text.stdout, new RegExp(`^Anonymous analytics: ${row.enabled ? 'enabled' : 'disabled'}\\nDecided by: ${row.source} `));
    });
  }

  it('analytics status warns about an unparseable TELEPORT_ANONYMOUS_TELEMETRY', async () => {
    const run = await runTbot(['analytics', 'status'], { env: cleanEnv({ TELEPORT_ANONYMOUS_TELEMETRY: 'yes please' }) });
    assert.match(run.stderr, /warning: ignoring TELEPORT_ANONYMOUS_TELEMETRY="yes please"/);
    assert.match(run.stdout, /Decided by: default/);
  });

  it('analytics preview prints exactly what start sends, and sends nothing', async () => {
    const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url, _TBOT_TELEMETRY_HELPER: 'gha:teleport-actions/auth', _TBOT_TELEMETRY_HELPER_VERSION: '1.2.0' });
    const config = join(CONFIG_DIR, 'github-actions-oneshot.yaml');
    const preview = await runTbot(['analytics', 'preview', '--format', 'json', '--anonymous-analytics', '-c', config], { env });
    assert.equal(preview.code, 0, preview.stderr);
    assert.equal(receiver.connectionCount(), 0);
    const previewed = JSON.parse(preview.stdout);
    assert.equal(previewed.would_send, true);

    const run = await runTbot(['start', '--anonymous-analytics', '-c', config], { env, cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    const sent = receiver.requests.at(-1)!;
    assert.equal(previewed.url, `${receiver.url}${sent.url}`);
    assert.equal(previewed.method, sent.method);
    for (const [name, value] of Object.entries(previewed.headers as Record<string, string>)) assert.equal(sent.headers[name], value, name);
    const body = JSON.parse(sent.body);
    // distinctId and timestamp are fresh per start by design; everything else is identical.
    assert.deepEqual({ ...previewed.body, distinctId: body.distinctId, timestamp: body.timestamp }, body);
  });

  it('analytics preview in text form is an HTTP request, and says when analytics is off', async () => {
    const run = await runTbot(['analytics', 'preview', '-c', join(CONFIG_DIR, 'minimal.yaml')], { env: cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url }) });
    assert.equal(run.code, 0);
    assert.match(
      run.stdout,
      /^POST http:\/\/127\.0\.0\.1:\d+\/prehog\.v1alpha\.TbotReportingService\/SubmitTbotEvent\ncontent-type: application\/json\nconnect-protocol-version: 1\n/,
    );
    assert.match(run.stderr, /analytics is disabled .* would send nothing/);
    assert.equal(receiver.connectionCount(), 1, 'only the start above connected');
  });

  it('--log-format json writes one JSON object per stderr line', async () => {
    const run = await runTbot(['start', '--oneshot', '--log-format', 'json', '-c', join(CONFIG_DIR, 'minimal.yaml')], { cwd: workspace.dir });
    assert.equal(run.code, 0);
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.ok(lines.some((line) => line.level === 'info' && /anonymous analytics is disabled/.test(line.message)));
  });
});
