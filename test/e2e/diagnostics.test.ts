/**
 * diag_addr: the listener binds exactly the configured address, /livez answers, /readyz turns 200
 * only once every output has been renewed, /readyz/<name> reports one output, and /metrics is
 * Prometheus text that a strict parser reads, with renewals, failures and time to expiry.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { runTbot, spawnTbot, type TbotChild } from '../helpers/tbot-process.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const TTL_SECONDS = 45 * 60;

function config(diagAddr: string): string {
  return `version: v2
storage: {type: directory, path: ./data}
credential_ttl: 45m
renewal_interval: 1s
diag_addr: ${diagAddr}
outputs:
  - type: identity
    name: bot-identity
    destination: {type: directory, path: ./out/identity}
  - type: application
    app_name: grafana
    # Blocked by a regular file until the test removes it.
    destination: {type: directory, path: ./blocker/app}
`;
}

/** Polls `url` until `accept` says yes; returns the last response and its body. */
async function until(url: string, accept: (status: number, body: string) => boolean, timeoutMs = 10_000): Promise<{ status: number; body: string; contentType: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url);
    const body = await response.text();
    if (accept(response.status, body)) return { status: response.status, body, contentType: response.headers.get('content-type') ?? '' };
    if (Date.now() > deadline) throw new Error(`${url} never reached the expected state; last: ${response.status} ${body}`);
    await delay(50);
  }
}

/** Resolves with the connection error's code, or 'connected'. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('diagnostics listener (diag_addr)', () => {
  let workspace: Workspace;
  let agent: TbotChild;
  let base: string;
  const appName = (): string => `application (directory ${join(workspace.dir, 'blocker', 'app')})`;

  before(async () => {
    workspace = await makeWorkspace();
    await workspace.write('blocker', 'a regular file where a directory should be');
    await workspace.write('tbot.yaml', config('127.0.0.1:0'));
    agent = spawnTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir });
    // Port 0 asks for any free port; the agent logs the one it got.
    base = (await agent.waitForStderr(/diagnostics listening address=(http:\/\/127\.0\.0\.1:\d+)\n/))[1]!;
  });
  after(async () => {
    agent.child.kill('SIGTERM');
    await agent.result;
    await workspace.remove();
  });

  it('/livez answers 200', async () => {
    const response = await fetch(`${base}/livez`);
    assert.equal(response.status, 200);
  });

  it("/readyz is 503 while one output has not been renewed, naming it and why, in tbot's JSON shape", async () => {
    const { status, body } = await until(
      `${base}/readyz`,
      (_, text) => JSON.parse(text).services['bot-identity']?.status === 'healthy' && JSON.parse(text).services[appName()]?.status === 'unhealthy',
    );
    assert.equal(status, 503);
    const readyz = JSON.parse(body);
    assert.equal(readyz.status, 'unhealthy');
    assert.deepEqual(Object.keys(readyz.services).sort(), [appName(), 'bot-identity'].sort());
    assert.match(readyz.services[appName()].reason, /is a regular file, not a directory/);
    assert.ok(Math.abs(Date.parse(readyz.services['bot-identity'].updated_at) - Date.now()) < 60_000);
    assert.equal(readyz.services['bot-identity'].reason, undefined);
  });

  it('/readyz/<name> reports one output (names percent-encoded), 404 for an unknown one', async () => {
    const identity = await fetch(`${base}/readyz/bot-identity`);
    assert.equal(identity.status, 200);
    assert.equal(((await identity.json()) as { status: string }).status, 'healthy');
    const app = await fetch(`${base}/readyz/${encodeURIComponent(appName())}`);
    assert.equal(app.status, 503);
    assert.equal(((await app.json()) as { status: string }).status, 'unhealthy');
    const missing = await fetch(`${base}/readyz/nope`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: 'Service named "nope" not found.' });
  });

  it('/metrics is Prometheus text: renewals and failures per output, seconds to expiry, process start time', async () => {
    const { body, contentType } = await until(
      `${base}/metrics`,
      (_, text) => (sampleValue(parsePrometheusText(text), 'tbot_output_renewal_failures_total', { output: appName() }) ?? 0) >= 1,
    );
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(body);
    assert.equal(families.get('tbot_output_renewals_total')?.type, 'counter');
    assert.equal(families.get('tbot_output_renewal_failures_total')?.type, 'counter');
    assert.equal(families.get('tbot_output_time_to_expiry_seconds')?.type, 'gauge');
    assert.equal(families.get('process_start_time_seconds')?.type, 'gauge');
    assert.ok((sampleValue(families, 'tbot_output_renewals_total', { output: 'bot-identity', kind: 'identity' }) ?? 0) >= 1);
    assert.equal(sampleValue(families, 'tbot_output_renewal_failures_total', { output: 'bot-identity' }), 0);
    assert.equal(sampleValue(families, 'tbot_output_renewals_total', { output: appName(), kind: 'application' }), 0);
    const left = sampleValue(families, 'tbot_output_time_to_expiry_seconds', { output: 'bot-identity' }) ?? 0;
    assert.ok(left > TTL_SECONDS - 30 && left <= TTL_SECONDS, `time to expiry ${left}`);
    assert.equal(sampleValue(families, 'tbot_output_time_to_expiry_seconds', { output: appName() }), undefined, 'nothing issued yet, so no expiry');
    const started = sampleValue(families, 'process_start_time_seconds') ?? 0;
    assert.ok(started * 1000 <= Date.now() && started * 1000 > Date.now() - 120_000, `process_start_time_seconds ${started}`);
  });

  it('listens on 127.0.0.1 only: the same port on 127.0.0.2 refuses, and the kernel lists one listening socket', async () => {
    const port = Number(new URL(base).port);
    assert.equal(await tryConnect('127.0.0.1', port), 'connected');
    assert.equal(await tryConnect('127.0.0.2', port), 'ECONNREFUSED');
    const portHex = port.toString(16).toUpperCase().padStart(4, '0');
    const listening = [await readFile('/proc/net/tcp', 'utf8'), await readFile('/proc/net/tcp6', 'utf8').catch(() => '')]
      .flatMap((table) => table.split('\n').slice(1))
      .map((row) => row.trim().split(/\s+/))
      .filter((columns) => columns[1]?.endsWith(`:${portHex}`) && columns[3] === '0A');
    assert.deepEqual(
      listening.map((columns) => columns[1]),
      [`0100007F:${portHex}`],
    );
  });

  it('/readyz turns 200 once every output has been renewed (the blocker removed)', async () => {
    await rm(join(workspace.dir, 'blocker'));
    const { status, body } = await until(`${base}/readyz`, (code) => code === 200);
    assert.equal(status, 200);
    assert.deepEqual(
      Object.values(JSON.parse(body).services).map((service) => (service as { status: string }).status),
      ['healthy', 'healthy'],
    );
    assert.ok(existsSync(join(workspace.dir, 'blocker', 'app', 'tlscert')));
  });
});

describe('diagnostics listener errors', () => {
  it('an address already in use stops the agent before it writes anything, naming the address', async () => {
    const workspace = await makeWorkspace();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
    try {
      const port = (holder.address() as AddressInfo).port;
      await workspace.write('tbot.yaml', config(`127.0.0.1:${port}`));
      const run = await runTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir });
      assert.equal(run.code, 1);
      assert.match(run.stderr, new RegExp(`diagnostics listener on 127\\.0\\.0\\.1:${port}: the address is already in use`));
      assert.ok(!existsSync(join(workspace.dir, 'out')), 'nothing was written');
    } finally {
      holder.close();
      await workspace.remove();
    }
  });
});
