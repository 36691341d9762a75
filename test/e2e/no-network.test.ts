/**
 * Opting out means no network at all: no socket and no DNS lookup. A preloaded spy records every
 * connect and lookup the agent attempts; the opted-in rows are the positive control.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { cleanEnv, NET_SPY, runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

interface NetEvent {
  type: 'connect' | 'lookup';
  hostname?: string;
  host?: string;
}

const CANARY_HOST = 'tbot-canary-dns.invalid';

describe('opted out: no socket, no DNS lookup', () => {
  let workspace: Workspace;
  let receiver: Receiver;
  before(async () => {
    workspace = await makeWorkspace();
    receiver = await startReceiver('ok');
    await workspace.write('opt-in.yaml', 'version: v2\nanonymous_analytics: true\noutputs:\n  - type: identity\n    destination: {type: directory, path: ./id}\n');
  });
  after(async () => {
    await receiver.close();
    await workspace.remove();
  });

  async function spy(args: string[], env: Record<string, string>, label: string): Promise<NetEvent[]> {
    const log = join(workspace.dir, `${label}.net.json`);
    const run = await runTbot(['start', '--oneshot', ...args], { cwd: workspace.dir, nodeArgs: ['--import', NET_SPY], env: cleanEnv({ ...env, TBOT_NET_SPY_LOG: log }) });
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(await readFile(log, 'utf8')) as NetEvent[];
  }

  const optedOut: { name: string; args: string[]; env: Record<string, string> }[] = [
    { name: 'by default', args: ['--allow-empty'], env: {} },
    {
      name: 'DO_NOT_TRACK=1 despite --anonymous-analytics, the env opt-in and the YAML',
      args: ['-c', 'opt-in.yaml', '--anonymous-analytics'],
      env: { DO_NOT_TRACK: '1', TELEPORT_ANONYMOUS_TELEMETRY: '1' },
    },
    { name: '--no-anonymous-analytics despite the YAML opt-in', args: ['-c', 'opt-in.yaml', '--no-anonymous-analytics'], env: {} },
    { name: 'TELEPORT_ANONYMOUS_TELEMETRY=false despite the YAML opt-in', args: ['-c', 'opt-in.yaml'], env: { TELEPORT_ANONYMOUS_TELEMETRY: 'false' } },
  ];
  for (const row of optedOut) {
    it(`${row.name}: the spy sees nothing`, async () => {
      const events = await spy(row.args, { ...row.env, TBOT_ANALYTICS_ENDPOINT: `http://${CANARY_HOST}:8787` }, row.name.replace(/\W+/g, '-'));
      assert.deepEqual(events, []);
    });
    it(`${row.name}: a loopback receiver gets no connection`, async () => {
      const before = receiver.connectionCount();
      const run = await runTbot(['start', '--oneshot', ...row.args], { cwd: workspace.dir, env: cleanEnv({ ...row.env, TBOT_ANALYTICS_ENDPOINT: receiver.url }) });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(receiver.connectionCount(), before);
    });
  }

  it('positive control: opted in, the spy does see the lookup of the endpoint host', async () => {
    const events = await spy(['-c', 'opt-in.yaml'], { TBOT_ANALYTICS_ENDPOINT: `http://${CANARY_HOST}:8787` }, 'opted-in');
    assert.ok(
      events.some((event) => event.type === 'lookup' && event.hostname === CANARY_HOST),
      JSON.stringify(events),
    );
  });

  it('positive control: opted in, the spy sees the socket to a loopback receiver', async () => {
    const events = await spy(['-c', 'opt-in.yaml'], { TBOT_ANALYTICS_ENDPOINT: receiver.url }, 'opted-in-loopback');
    assert.ok(
      events.some((event) => event.type === 'connect'),
      JSON.stringify(events),
    );
  });
});
