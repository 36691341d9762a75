/**
 * HTTP/1.1 answers that go out before the request body is in: a refused oversized body, a body
 * connect-node stopped reading at its envelope's length. Node then closes the connection at once
 * (the client asked for "connection: close", or the refusal did), with the rest of the upload still
 * arriving. A socket closed with unread data answers the client's next segment with a TCP reset,
 * and the client's pending write fails (EPIPE, ECONNRESET), often before it has read the answer
 * waiting in its buffer: it reports `internal` instead of the code we sent. RFC 9112 section 9.6
 * asks servers to close in stages instead; Go's server and Apache do (read and discard, bounded).
 * So here: the answer goes out, then the write side closes, and the rest of the body is read and
 * dropped until the client closes its side or a bound is reached.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';

export interface LingerBounds {
  /** Bytes read and dropped after the answer before the connection is cut anyway. */
  maxBytes: number;
  /** How long the connection may linger after the answer before it is cut anyway. */
  maxMs: number;
}

/** Go's server discards up to 256 KiB of an unread body; the wait is the same order as Go's and Apache's. */
export const DEFAULT_LINGER_BOUNDS: LingerBounds = { maxBytes: 256 * 1024, maxMs: 2_000 };

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

const lingering = new WeakSet<Socket>();

/**
 * Makes one HTTP/1.1 exchange close gently: once the answer is written, what is left of the body
 * is drained (kept within `bounds.maxBytes`), and if Node then closes the connection, it half-closes
 * and lingers as described above. HTTP/2 needs none of this (its streams end on their own), so
 * HTTP/2 requests are left as they are.
 */
export function closeGently(req: AnyRequest, res: AnyResponse, bounds: LingerBounds): void {
  if (req.httpVersionMajor !== 1) return;
  const socket = req.socket as Socket;
  lingerOnClose(socket, bounds);
  // connect-node reads the body with for-await and stops at an envelope over the limit. The
  // default iterator then destroys the request, and a destroyed request stops its socket being
  // read: the rest of the upload would sit unread until the connection is cut under the client.
  const request = req as IncomingMessage;
  request[Symbol.asyncIterator] = () => request.iterator({ destroyOnReturn: false });
  res.once('finish', () => {
    if (req.complete || req.destroyed) return;
    let dropped = 0;
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > bounds.maxBytes) socket.destroy();
    });
    req.resume();
  });
}

/**
 * Replaces the socket's destroySoon (what node:http calls to close after a last answer) by a
 * staged close: end (our FIN follows the answer), keep reading, and destroy when the client ends
 * too, or after `maxBytes` more bytes or `maxMs`, whichever comes first.
 */
function lingerOnClose(socket: Socket, bounds: LingerBounds): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    if (socket.writable) socket.end();
    const timer = setTimeout(() => socket.destroy(), bounds.maxMs);
    timer.unref();
    let read = 0;
    socket.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > bounds.maxBytes) socket.destroy();
    });
    socket.once('end', () => socket.destroy());
    socket.once('close', () => clearTimeout(timer));
    socket.resume();
  };
}
