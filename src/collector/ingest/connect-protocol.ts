/**
 * The Connect protocol's unary framing on node:http: the request headers it defines
 * (content type, protocol version, timeout, content encoding), reading a body within limits, and
 * error responses. A Connect error's HTTP status is always the one the protocol's code table
 * gives, because it is derived from the code here and nowhere else.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { gunzip } from 'node:zlib';
import type { RejectReason } from '../metrics.js';
import { clampTimerDelay } from '../../time/timer.js';

/** The Connect codes the collector answers with, and their HTTP statuses from the protocol's table. */
export const CONNECT_HTTP_STATUS = {
  invalid_argument: 400,
  unauthenticated: 401,
  not_found: 404,
  resource_exhausted: 429,
  internal: 500,
  unimplemented: 501,
  unavailable: 503,
  deadline_exceeded: 504,
} as const;

export type ConnectCode = keyof typeof CONNECT_HTTP_STATUS;

/** A request ended with a Connect error; `reason` is the metric label it is counted under. */
export class ConnectFailure extends Error {
  override name = 'ConnectFailure';
  readonly status: number;
  constructor(
    readonly code: ConnectCode,
    message: string,
    readonly reason: RejectReason,
  ) {
    super(message);
    this.status = CONNECT_HTTP_STATUS[code];
  }
}

/**
 * A refusal below the RPC layer, where the request is not a Connect call this server can take
 * (wrong method, unsupported media type). The protocol answers these with a plain HTTP status and
 * no Connect code, as connect-go does; the text body is for people using curl.
 */
export class HttpRefusal extends Error {
  override name = 'HttpRefusal';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string>,
    readonly reason: RejectReason,
  ) {
    super(message);
  }
}

/** node:http's and node:http2's compatibility API alike: the Connect path serves HTTP/1.1 and HTTP/2. */
export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

export function sendJson(res: HttpResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

export function sendFailure(res: HttpResponse, failure: ConnectFailure | HttpRefusal): void {
  if (failure instanceof ConnectFailure) {
    sendJson(res, failure.status, { code: failure.code, message: failure.message });
    return;
  }
  const text = `${failure.message}\n`;
  res.writeHead(failure.status, { ...failure.headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** The two unary codecs Connect defines for protobuf. */
export type Encoding = 'json' | 'proto';

const CODECS: Record<string, Encoding> = { 'application/json': 'json', 'application/proto': 'proto' };
export const ACCEPT_POST = Object.keys(CODECS).join(', ');

export function requestEncoding(req: HttpRequest): Encoding {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const encoding = CODECS[contentType];
  if (encoding === undefined)
    throw new HttpRefusal(415, `unsupported content-type ${JSON.stringify(contentType)}; expected one of: ${ACCEPT_POST}`, { 'accept-post': ACCEPT_POST }, 'bad-content-type');
  return encoding;
}

/** Only version 1 exists. A missing header is accepted, so plain curl works. */
export function checkProtocolVersion(req: HttpRequest): void {
  const version = req.headers['connect-protocol-version'];
  if (version !== undefined && version !== '1')
    throw new ConnectFailure('invalid_argument', `connect-protocol-version ${JSON.stringify(version)} is not supported; expected 1`, 'bad-header');
}

/** Connect-Timeout-Ms: a positive whole number of at most 10 digits, or absent (no deadline). */
export function requestTimeoutMs(req: HttpRequest): number | undefined {
  const header = req.headers['connect-timeout-ms'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !/^[0-9]{1,10}$/.test(header) || Number(header) === 0)
    throw new ConnectFailure('invalid_argument', `connect-timeout-ms ${JSON.stringify(header)}: expected a positive whole number of milliseconds, at most 10 digits`, 'bad-header');
  // A deadline past setTimeout's ceiling is clamped, which the protocol allows a server to do.
  return clampTimerDelay(Number(header));
}

export const deadlineExceeded = (ms: number): ConnectFailure =>
  new ConnectFailure('deadline_exceeded', `the request's deadline of ${ms} ms passed before it was handled`, 'deadline');

const SUPPORTED_ENCODINGS = ['gzip', 'identity'];

const tooLarge = (limit: number): ConnectFailure => new ConnectFailure('resource_exhausted', `body larger than ${limit} bytes`, 'too-large');

function gunzipWithin(compressed: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(compressed, { maxOutputLength: limit }, (error, result) => {
      if (error === null) return resolve(result);
      // Checked after decompression too, so a small bomb cannot grow past the limit.
      reject((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge(limit) : new ConnectFailure('invalid_argument', 'malformed gzip body', 'read-failed'));
    });
  });
}

/**
 * The request body within `limit` bytes, compressed and decompressed. An empty body is the empty
 * message and is never handed to the decompressor. `signal` aborts the read (the deadline).
 */
export async function readBody(req: HttpRequest, limit: number, signal?: AbortSignal): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!SUPPORTED_ENCODINGS.includes(encoding))
    throw new ConnectFailure('unimplemented', `unsupported content-encoding ${JSON.stringify(encoding)}; supported: ${SUPPORTED_ENCODINGS.join(', ')}`, 'bad-encoding');
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const raw = await new Promise<Buffer>((resolve, reject) => {
    // Plain stream events rather than an async iterator: this runs for every request, and the
    // iterator's promise per chunk shows in the profile.
    const chunks: Buffer[] = [];
    let size = 0;
    const detach = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const stop = (failure: ConnectFailure): void => {
      detach();
      reject(failure);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) stop(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      detach();
      resolve(Buffer.concat(chunks, size));
    };
    // A client that goes away mid-body ends in 'error' or in 'close' without 'end'.
    const onError = (): void => stop(new ConnectFailure('invalid_argument', 'body could not be read', 'read-failed'));
    const onAbort = (): void => stop(signal!.reason as ConnectFailure);
    if (signal?.aborted === true) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onError);
  });
  return encoding === 'gzip' && raw.length > 0 ? gunzipWithin(raw, limit) : raw;
}
