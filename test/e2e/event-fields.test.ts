/** The tbot.start event the real agent puts on the wire, for each example config and run mode. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateSubmitTbotEvent } from '../../src/schemas/validators.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { cleanEnv, CONFIG_DIR, runTbot, spawnTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const EXAMPLES = [
  { file: 'minimal.yaml', joinType: 'token', counts: { destinationsOther: 1, destinationsDatabase: 0, destinationsKubernetes: 0, destinationsApplication: 0 } },
  { file: 'github-actions-oneshot.yaml', joinType: 'github', counts: { destinationsOther: 1, destinationsDatabase: 0, destinationsKubernetes: 1, destinationsApplication: 0 } },
  { file: 'host-continuous.yaml', joinType: 'iam', counts: { destinationsOther: 1, destinationsDatabase: 1, destinationsKubernetes: 1, destinationsApplication: 1 } },
];
const HELPERS = [
  { name: 'without helper env vars', env: {}, expected: {} },
  {
    name: 'with the GitHub Actions helper env vars',
    env: { _TBOT_TELEMETRY_HELPER: 'gha:teleport-actions/auth', _TBOT_TELEMETRY_HELPER_VERSION: '1.2.0' },
    expected: { helper: 'gha:teleport-actions/auth', helperVersion: '1.2.0' },
  },
];

describe('tbot.start on the wire', () => {
  let receiver: Receiver;
  let workspace: Workspace;
  before(async () => {
    receiver = await startReceiver('ok');
    workspace = await makeWorkspace();
  });
  after(async () => {
    await receiver.close();
    await workspace.remove();
  });

  for (const example of EXAMPLES) {
    for (const helper of HELPERS) {
      it(`one-shot, ${example.file}, ${helper.name}`, async () => {
        const before = receiver.requests.length;
        const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url, ...helper.env });
        const run = await runTbot(['start', '--oneshot', '--anonymous-analytics', '-c', join(CONFIG_DIR, example.file)], { env, cwd: workspace.dir });
        assert.equal(run.code, 0, run.stderr);
        assert.equal(receiver.requests.length, before + 1);
        const request = receiver.requests.at(-1)!;
        assert.equal(request.method, 'POST');
        assert.equal(request.url, '/prehog.v1alpha.TbotReportingService/SubmitTbotEvent');
        assert.equal(request.headers['content-type'], 'application/json');
        assert.equal(request.headers['connect-protocol-version'], '1');
        const body = JSON.parse(request.body);
        assert.ok(validateSubmitTbotEvent(body), JSON.stringify(validateSubmitTbotEvent.errors));
        assert.match(body.distinctId, UUID_V4);
        assert.ok(Math.abs(Date.parse(body.timestamp) - Date.now()) < 60_000);
        assert.deepEqual(body.start, { runMode: 'RUN_MODE_ONE_SHOT', version: '0.1.0', joinType: example.joinType, ...helper.expected, ...example.counts });
      });
    }
  }

  it('continuous mode sends RUN_MODE_DAEMON once, not once per cycle', async () => {
    const before = receiver.requests.length;
    const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url, TELEPORT_ANONYMOUS_TELEMETRY: '1' });
    const agent = spawnTbot(['start', '-c', join(CONFIG_DIR, 'host-continuous.yaml'), '--renewal-interval', '300ms'], { env, cwd: workspace.dir });
    await agent.waitForStderr(/(renewal cycle complete[\s\S]*){3}/);
    agent.child.kill('SIGTERM');
    const run = await agent.result;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(receiver.requests.length, before + 1);
    const body = JSON.parse(receiver.requests.at(-1)!.body);
    assert.equal(body.start.runMode, 'RUN_MODE_DAEMON');
    assert.equal(body.start.joinType, 'iam');
  });

  it('every start gets a fresh distinctId', async () => {
    const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url });
    const before = receiver.requests.length;
    for (let i = 0; i < 3; i += 1) {
      const run = await runTbot(['start', '--oneshot', '--anonymous-analytics', '-c', join(CONFIG_DIR, 'minimal.yaml')], { env, cwd: workspace.dir });
      assert.equal(run.code, 0);
    }
    const ids = receiver.requests.slice(before).map((request) => JSON.parse(request.body).distinctId);
    assert.equal(new Set(ids).size, 3);
  });

  it('sends exactly the headers the agent sets plus host, connection and content-length: no cookie, no host-bearing user-agent', async () => {
    const request = receiver.requests.at(-1)!;
    const names = request.rawHeaderNames.map((name) => name.toLowerCase()).sort();
    assert.deepEqual(names, ['accept', 'connect-protocol-version', 'connection', 'content-length', 'content-type', 'host', 'user-agent']);
    assert.equal(request.headers.connection, 'close', 'no keep-alive socket may outlive the request');
    assert.equal(request.headers['user-agent'], 'tbot/0.1.0');
    assert.equal(request.headers.cookie, undefined);
  });
});
