/** Slow clients cannot hold a connection: header and request read timeouts close them, with and without TLS. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { createIngestServer, type IngestServer } from '../../src/collector/ingest/server.js';
import { CollectorMetrics } from '../../src/collector/metrics.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import { prepareServerTls } from '../../src/collector/tenants/server-tls.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('collector connection limits', () => {
  let workspace: Workspace;
  let server: IngestServer;
  let port: number;
  before(async () => {
    workspace = await makeWorkspace('tbot-limits-');
    const store = new SegmentStore(workspace.dir);
    await store.open();
    server = createIngestServer({ store, metrics: new CollectorMetrics(), now: () => new Date(), headersTimeoutMs: 500, requestTimeoutMs: 1_000, maxConnections: 2 });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await workspace.remove();
  });

  async function closedWithin(send: (socket: import('node:net').Socket) => void, limitMs: number): Promise<number> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const started = Date.now();
    send(socket);
    socket.resume();
    socket.on('error', () => undefined);
    await Promise.race([once(socket, 'close'), new Promise((_, reject) => setTimeout(() => reject(new Error('connection still open')), limitMs))]);
    return Date.now() - started;
  }

  it('connections beyond the cap are refused while the others stay open', async () => {
    const sockets = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
    await Promise.all(sockets.map((socket) => once(socket, 'connect')));
    // Give the server a moment to count both before the third arrives.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const third = connect(port, '127.0.0.1');
    third.on('error', () => undefined);
    third.resume();
    // Refused at once, well before the 500 ms header timeout could close it.
    await Promise.race([once(third, 'close'), new Promise((_, reject) => setTimeout(() => reject(new Error('third connection was kept')), 300))]);
    assert.ok(
      sockets.every((socket) => !socket.destroyed),
      'the first two are still open',
    );
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('a client that never finishes its headers is disconnected', async () => {
    const elapsed = await closedWithin((socket) => socket.write('POST /prehog.v1alpha.TbotReportingService/SubmitTbotEvent HTTP/1.1\r\nHost: x\r\n'), 5_000);
    assert.ok(elapsed >= 400, `closed after ${elapsed} ms`);
  });

  it('a client that trickles its body is disconnected', async () => {
    const elapsed = await closedWithin((socket) => {
      socket.write('POST /prehog.v1alpha.TbotReportingService/SubmitTbotEvent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const trickle = setInterval(() => socket.write(' '), 100);
      socket.on('close', () => clearInterval(trickle));
    }, 5_000);
    assert.ok(elapsed >= 900, `closed after ${elapsed} ms`);
  });
});

describe('collector connection limits over TLS', () => {
  let workspace: Workspace;
  let server: IngestServer;
  let store: SegmentStore;
  let port: number;
  before(async () => {
    workspace = await makeWorkspace('tbot-limits-tls-');
    store = new SegmentStore(workspace.dir);
    await store.open();
    const tls = await prepareServerTls(workspace.dir, { source: { kind: 'own-ca', sans: [] } }, new Date(), (error) => {
      throw error;
    });
    server = createIngestServer({
      store,
      metrics: new CollectorMetrics(),
      now: () => new Date(),
      headersTimeoutMs: 500,
      requestTimeoutMs: 1_000,
      idleTimeoutMs: 30_000,
      tls: { certPem: tls.certPem, keyPem: tls.keyPem, tenants: tls.tenants },
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await workspace.remove();
  });

  it('an HTTP/1.1 client that never finishes its headers is disconnected by the header timeout, not the idle one', async () => {
    const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    await once(socket, 'secureConnect');
    assert.equal(socket.alpnProtocol, 'http/1.1');
    const started = Date.now();
    socket.write('POST /prehog.v1alpha.TbotReportingService/SubmitTbotEvent HTTP/1.1\r\nHost: x\r\n');
    socket.resume();
    socket.on('error', () => undefined);
    await Promise.race([once(socket, 'close'), new Promise((_, reject) => setTimeout(() => reject(new Error('connection still open')), 10_000))]);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 400 && elapsed < 5_000, `closed after ${elapsed} ms`);
  });
});
