/**
 * The Connect protocol's unary framing on node:http: error bodies, and reading a request body
 * within limits (with gzip, checked after decompression so a small bomb cannot grow past them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGunzip } from 'node:zlib';
import type { RejectReason } from '../metrics.js';

export type ConnectCode = 'invalid_argument' | 'resource_exhausted' | 'unavailable' | 'unimplemented' | 'internal';

/** A request ended with a Connect error; `reason` is the metric label it is counted under. */
export class ConnectFailure extends Error {
  override name = 'ConnectFailure';
  constructor(
    readonly status: number,
    readonly code: ConnectCode,
    message: string,
    readonly reason: RejectReason,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

export function sendConnectError(res: ServerResponse, failure: ConnectFailure): void {
  sendJson(res, failure.status, { code: failure.code, message: failure.message });
}

/** The two unary encodings Connect defines. */
export type Encoding = 'json' | 'proto';

export function requestEncoding(req: IncomingMessage): Encoding {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType === 'application/json') return 'json';
  if (contentType === 'application/proto') return 'proto';
  throw new ConnectFailure(415, 'invalid_argument', `unsupported content-type ${JSON.stringify(contentType)}; use application/json or application/proto`, 'bad-content-type');
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') throw new ConnectFailure(415, 'unimplemented', `unsupported content-encoding ${encoding}`, 'bad-encoding');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new ConnectFailure(413, 'resource_exhausted', `body larger than ${limit} bytes`, 'too-large');
  const source = encoding === 'gzip' ? req.pipe(createGunzip()) : req;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new ConnectFailure(413, 'resource_exhausted', `body larger than ${limit} bytes`, 'too-large');
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ConnectFailure) throw error;
    throw new ConnectFailure(400, 'invalid_argument', encoding === 'gzip' ? 'malformed gzip body' : 'body could not be read', 'read-failed');
  }
  return Buffer.concat(chunks);
}
