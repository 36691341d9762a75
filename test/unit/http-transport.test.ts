/** The reporter's HTTP transport against a real loopback server: what it does with a failure's connection. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sendHttpRequest } from '../../src/reporting/http-transport.js';

describe('sendHttpRequest', () => {
  let server: Server;
  let url: string;
  const sockets: Socket[] = [];
  before(async () => {
    // An error status whose body never ends: only the client can close this connection.
    server = createServer((request, response) => {
      sockets.push(request.socket);
      request.resume();
      response.writeHead(503, { 'content-type': 'application/json' });
      response.write('{"code":"unavailable",');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });

  it('reports an error status and closes its connection at once, without waiting for the body or the deadline', async () => {
    const outcome = await sendHttpRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: '{}' }, { timeoutMs: 30_000 });
    assert.deepEqual(outcome, { ok: false, reason: 'http-status', detail: 'HTTP 503' });
    const socket = sockets.at(-1)!;
    const closed = socket.destroyed || socket.readableEnded ? Promise.resolve() : once(socket, 'close');
    const waited = await Promise.race([closed.then(() => 'closed'), new Promise((resolve) => setTimeout(resolve, 2_000, 'still open'))]);
    assert.equal(waited, 'closed');
  });
});
