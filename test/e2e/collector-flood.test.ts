/**
 * 2,048 idle sockets from one address must not lock anyone else out: each address holds at most
 * its cap of connections, and a connection that sends nothing is closed after about 5 s. The other
 * client connects from a second loopback address (127.0.0.2).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, startCollector, submit, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** Opens a socket from `localAddress`; resolves once it is connected (or already closed by the server). */
async function openIdle(url: string, localAddress: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port), localAddress });
  socket.on('error', () => undefined);
  await Promise.race([once(socket, 'connect'), once(socket, 'close')]);
  return socket;
}

function metricsFrom(url: string, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(`${url}/metrics`, { agent: false, localAddress }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('collector under an idle-socket flood', () => {
  let workspace: Workspace;
  let collector: RunningCollector;
  const sockets: Socket[] = [];
  before(async () => {
    workspace = await makeWorkspace('tbot-flood-');
    collector = await startCollector(`${workspace.dir}/data`);
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await collector.stop();
    await workspace.remove();
  });

  it('2,048 idle sockets from 127.0.0.1: another client is served at once, and the idle ones are closed after about 5 s', async () => {
    const opened = performance.now();
    for (let i = 0; i < 2_048; i += 256) sockets.push(...(await Promise.all(Array.from({ length: 256 }, () => openIdle(collector.url, '127.0.0.1')))));
    const held = () => sockets.filter((socket) => !socket.destroyed && !socket.readableEnded).length;
    await eventually(async () => held(), 64, 3_000);

    const started = performance.now();
    assert.equal(await submit(collector.url, tbotEvent(), { localAddress: '127.0.0.2' }), 200);
    assert.ok(performance.now() - started < 1_000, 'the other client was served without waiting for the flood');
    assert.match(await metricsFrom(collector.url, '127.0.0.3'), /^tbot_collector_connections_refused_total (\d{4})$/m);

    await Promise.all(sockets.map((socket) => (socket.closed ? undefined : once(socket, 'close'))));
    const idleMs = performance.now() - opened;
    assert.ok(idleMs >= 4_500 && idleMs < 10_000, `idle sockets closed after ${Math.round(idleMs)} ms`);
    assert.equal(await submit(collector.url, tbotEvent(), { localAddress: '127.0.0.1' }), 200, 'the flooding address is served again once its sockets are gone');
  });
});

describe('collector per-address cap knob', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-cap-');
  });
  after(() => workspace.remove());

  async function heldOf(collector: RunningCollector, attempts: number, expected: number): Promise<number> {
    const sockets = await Promise.all(Array.from({ length: attempts }, () => openIdle(collector.url, '127.0.0.1')));
    const held = () => sockets.filter((socket) => !socket.destroyed && !socket.readableEnded).length;
    // Refused sockets close at once; give a loaded machine a moment before counting the rest.
    const deadline = Date.now() + 2_000;
    while (held() > expected && Date.now() < deadline) await settle(25);
    await settle(100);
    const count = held();
    for (const socket of sockets) socket.destroy();
    return count;
  }

  it('TBOT_COLLECTOR_MAX_CONNECTIONS_PER_ADDRESS sets the cap; --max-connections-per-address overrides it; 0 turns it off', async () => {
    let collector = await startCollector(`${workspace.dir}/env`, [], { TBOT_COLLECTOR_MAX_CONNECTIONS_PER_ADDRESS: '3' });
    assert.equal(await heldOf(collector, 6, 3), 3);
    await collector.stop();
    collector = await startCollector(`${workspace.dir}/flag`, ['--max-connections-per-address', '0'], { TBOT_COLLECTOR_MAX_CONNECTIONS_PER_ADDRESS: '3' });
    assert.equal(await heldOf(collector, 100, 100), 100);
    await collector.stop();
  });
});
