/**
 * An HTTP/1.1 client still uploading an oversized body when the collector refuses it must be able
 * to finish its upload and read the refusal: the collector closes in stages (answer, half-close,
 * drain) instead of resetting the connection under the client's pending writes. The clients here
 * are raw sockets, so each step waits for the event it needs (the answer, the server's FIN).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SUBMIT_TBOT_EVENT_PATH } from '../../src/protocol/tbot-wire.js';
import { startCollector, type RunningCollector } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** SubmitTbotEvent takes 64 KiB; this body is over it. */
const BODY_BYTES = 70_000;
const CHUNK = Buffer.alloc(1_000, 0x20);

interface Upload {
  contentType: string;
  /** The first bytes of the body, sent with the headers. */
  head: Buffer;
  /** What the answer must contain. */
  refusal: RegExp;
}

const grpcWebHead = (): Buffer => {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(BODY_BYTES - 5, 1);
  return prefix;
};

const UPLOADS: Record<string, Upload> = {
  'gRPC-Web (connect-node reads the envelope length)': { contentType: 'application/grpc-web+proto', head: grpcWebHead(), refusal: /grpc-status: 8\r\n/ },
  'Connect (the builtin path reads the content length)': { contentType: 'application/json', head: Buffer.from('{"distinctId":"'), refusal: /"code":"resource_exhausted"/ },
};

/** Writes one chunk; resolves with the write's error, if any, once the kernel took it or refused it. */
const write = (socket: Socket, chunk: Buffer): Promise<Error | undefined> =>
  new Promise((resolve) => {
    if (socket.destroyed) return resolve(socket.errored ?? new Error('socket destroyed'));
    socket.write(chunk, (error) => resolve(error ?? undefined));
  });

describe('collector: an HTTP/1.1 upload refused midway closes gently', () => {
  let workspace: Workspace;
  let collector: RunningCollector;
  before(async () => {
    workspace = await makeWorkspace('tbot-gentle-close-');
    collector = await startCollector(join(workspace.dir, 'data'));
  });
  after(async () => {
    await collector.stop();
    await workspace.remove();
  });

  for (const [name, upload] of Object.entries(UPLOADS)) {
    it(`${name}: the client reads the refusal, then finishes its upload without a reset`, async () => {
      const { hostname, port } = new URL(collector.url);
      // Half-open allowed: the client keeps writing after the collector's FIN, as an HTTP client does.
      const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
      await once(socket, 'connect');
      const errors: Error[] = [];
      socket.on('error', (error) => errors.push(error));
      let answer = '';
      socket.setEncoding('latin1').on('data', (text: string) => (answer += text));
      const ended = once(socket, 'end');
      socket.write(
        `POST ${SUBMIT_TBOT_EVENT_PATH} HTTP/1.1\r\nhost: collector\r\nconnection: close\r\ncontent-type: ${upload.contentType}\r\ncontent-length: ${BODY_BYTES}\r\n\r\n`,
      );
      socket.write(upload.head);
      // The refusal arrives, and the collector's side is closed, while most of the body is unsent.
      await ended;
      assert.match(answer, /^HTTP\/1\.1 (200|429) /);
      assert.match(answer, upload.refusal);
      // Without the staged close the collector's socket is gone by now: the first segment below is
      // answered by a reset and the next write fails with EPIPE or ECONNRESET.
      let sent = upload.head.length;
      while (sent < BODY_BYTES) {
        const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, BODY_BYTES - sent));
        const error = await write(socket, chunk);
        if (error !== undefined) errors.push(error);
        sent += chunk.length;
      }
      socket.end();
      await once(socket, 'close');
      assert.deepEqual(
        errors.map((error) => (error as NodeJS.ErrnoException).code ?? error.message),
        [],
      );
    });
  }

  it('a client that keeps uploading after the refusal is cut at the drain bound', async () => {
    const { hostname, port } = new URL(collector.url);
    const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
    await once(socket, 'connect');
    socket.on('error', () => undefined);
    socket.resume();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const ended = new Promise((resolve) => socket.once('end', resolve));
    // A body announced as 1 GiB: the collector drains 256 KiB of it at most, then cuts the connection.
    socket.write(
      `POST ${SUBMIT_TBOT_EVENT_PATH} HTTP/1.1\r\nhost: collector\r\nconnection: close\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: ${2 ** 30}\r\n\r\n`,
    );
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(2 ** 30 - 5, 1);
    socket.write(prefix);
    await ended;
    let sent = 0;
    const big = Buffer.alloc(64 * 1024);
    while (!socket.destroyed && sent < 64 * 1024 * 1024) {
      const error = await write(socket, big);
      if (error !== undefined) break;
      sent += big.length;
    }
    await closed;
    assert.ok(sent < 64 * 1024 * 1024, `the collector took ${sent} bytes of a refused body without cutting the connection`);
  });
});
