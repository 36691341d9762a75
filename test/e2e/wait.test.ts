/**
 * `tbot wait` against a real continuous agent with diag_addr: it keeps polling while an output is
 * unhealthy and exits 0 once the agent answers ready (for all outputs, or the one --service
 * names); against a port nobody listens on it gives up at --timeout with exit 1 and says why.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTbot, spawnTbot, type TbotChild } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const CONFIG = `version: v2
storage: {type: directory, path: ./data}
renewal_interval: 1s
credential_ttl: 45m
diag_addr: 127.0.0.1:0
outputs:
  - type: identity
    name: web
    destination: {type: directory, path: ./out/web}
  - type: application
    name: app
    app_name: grafana
    # Blocked by a regular file until the test removes it: the agent is up but not ready.
    destination: {type: directory, path: ./blocker/app}
`;

/** A port that was free a moment ago and that nothing listens on now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('tbot wait', { concurrency: false }, () => {
  let workspace: Workspace;
  let agent: TbotChild;
  let diagAddr: string;

  before(async () => {
    workspace = await makeWorkspace('tbot-wait-');
    await workspace.write('tbot.yaml', CONFIG);
    await workspace.write('blocker', 'a regular file where a directory should be');
    agent = spawnTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir, timeoutMs: 60_000 });
    const listening = await agent.waitForStderr(/diagnostics listening address=http:\/\/(127\.0\.0\.1:\d+)/);
    diagAddr = listening[1] as string;
    // The blocked output has failed once, so the agent is known to be up and not ready.
    await agent.waitForStderr(/renewal failed.*app/);
  });
  after(async () => {
    agent.child.kill('SIGTERM');
    await agent.result;
    await workspace.remove();
  });

  it('--service names one output: an output that is ready answers at once', async () => {
    const run = await runTbot(['wait', '--diag-addr', diagAddr, '--service', 'web', '--timeout', '20s'], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /INFO {2}waiting for bot to become available diag_addr=127\.0\.0\.1:\d+ service=web\n/);
    assert.match(run.stderr, /INFO {2}bot reported healthy after=\d+\.\d{3}s\n/);
  });

  it('an unknown --service never becomes ready: exit 1 at the timeout, with the last answer', async () => {
    const run = await runTbot(['wait', '--diag-addr', diagAddr, '--service', 'nosuch', '--timeout', '400ms'], { cwd: workspace.dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /WARN {2}bot did not become ready in time timeout=400ms/);
    assert.match(run.stderr, /tbot: the agent at http:\/\/127\.0\.0\.1:\d+\/wait\/nosuch was not ready within 400ms \(last answer: HTTP 404\)/);
  });

  it('waits while an output is unhealthy, and exits 0 once every output is ready', async () => {
    const waiting = spawnTbot(['wait', '--diag-addr', diagAddr, '--timeout', '30s', '-d'], { cwd: workspace.dir });
    // It has been told "not ready" at least once before the blocker goes.
    await waiting.waitForStderr(/DEBUG wait failed, retrying error="HTTP 503"/);
    assert.equal(waiting.child.exitCode, null, 'wait ended while an output was unhealthy');
    await rm(join(workspace.dir, 'blocker'));
    const run = await waiting.result;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /bot reported healthy/);
  });
});

describe('tbot wait with nothing listening', () => {
  it('times out with exit 1, after at least --timeout, naming the refused connection', async () => {
    const port = await closedPort();
    const run = await runTbot(['wait', '--diag-addr', `127.0.0.1:${port}`, '--timeout', '500ms']);
    assert.equal(run.code, 1);
    assert.ok(run.durationMs >= 500, `gave up after ${run.durationMs} ms`);
    assert.match(run.stderr, /was not ready within 500ms \(last answer: connection refused \(is the agent running with this --diag-addr\?\)\)/);
  });

  it('--diag-addr is required and --timeout must be a duration: usage errors, exit 2', async () => {
    const missing = await runTbot(['wait']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--diag-addr/);
    const bad = await runTbot(['wait', '--diag-addr', '127.0.0.1:1', '--timeout', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--timeout "soon" is not a duration/);
  });
});
