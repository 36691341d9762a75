/**
 * The Connect unary endpoint for SubmitTbotEvent on node:http, plus /healthz and /metrics.
 * Privacy: neither the client address nor any request header is stored or logged; the store
 * receives only the validated event and the time it arrived.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createGunzip } from 'node:zlib';
import { SUBMIT_TBOT_EVENT_PATH } from '../analytics/wire.js';
import { decodeBinaryRequest, decodeJsonRequest, DecodeError } from './proto.js';
import type { CollectorMetrics, RejectReason } from './metrics.js';
import type { SegmentStore } from './segment-store.js';
import { validateSubmitTbotEvent } from '../schemas/validators.js';
import { validateIncomingEvent } from './validate-event.js';

export interface IngestOptions {
  store: SegmentStore;
  metrics: CollectorMetrics;
  now: () => Date;
  maxBodyBytes?: number;
  /** Events being decoded or awaiting their fsync; beyond this, clients get resource_exhausted. */
  maxInFlight?: number;
  maxConnections?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Called after an event is durably stored (the forwarder uses it to wake up). */
  onAccepted?: () => void;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

type ConnectCode = 'invalid_argument' | 'resource_exhausted' | 'unavailable' | 'unimplemented' | 'internal';

/** The HTTP statuses Connect maps these codes to, plus 413/415 where the transport says more. */
class ConnectFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: ConnectCode,
    message: string,
    readonly reason: RejectReason,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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
      // Checked after decompression too, so a small gzip bomb cannot grow past the limit.
      if (size > limit) throw new ConnectFailure(413, 'resource_exhausted', `body larger than ${limit} bytes`, 'too-large');
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ConnectFailure) throw error;
    throw new ConnectFailure(400, 'invalid_argument', encoding === 'gzip' ? 'malformed gzip body' : 'body could not be read', 'read-failed');
  }
  return Buffer.concat(chunks);
}

function decode(contentType: string, body: Buffer): unknown {
  try {
    if (contentType === 'application/json') {
      // Invalid UTF-8 must not be silently replaced with U+FFFD and stored.
      const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      return decodeJsonRequest(text, validateSubmitTbotEvent);
    }
    return decodeBinaryRequest(body);
  } catch (error) {
    if (error instanceof DecodeError) throw new ConnectFailure(400, 'invalid_argument', error.message, 'decode');
    if (error instanceof TypeError) throw new ConnectFailure(400, 'invalid_argument', 'body is not valid UTF-8', 'decode');
    throw error;
  }
}

export function createIngestServer(options: IngestOptions): Server {
  const { store, metrics, now } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxInFlight = options.maxInFlight ?? 10_000;
  let inFlight = 0;

  const submit = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    metrics.received += 1;
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json' && contentType !== 'application/proto') {
      throw new ConnectFailure(415, 'invalid_argument', `unsupported content-type ${JSON.stringify(contentType)}; use application/json or application/proto`, 'bad-content-type');
    }
    if (inFlight >= maxInFlight) throw new ConnectFailure(429, 'resource_exhausted', 'collector overloaded; retry later', 'overloaded');
    inFlight += 1;
    try {
      const candidate = decode(contentType, await readBody(req, maxBody));
      const receivedAt = now();
      const validation = validateIncomingEvent(candidate, receivedAt);
      if (!validation.ok) throw new ConnectFailure(400, 'invalid_argument', validation.message, validation.reason);
      try {
        await store.append({ received_at: receivedAt.toISOString(), event: validation.event });
      } catch {
        throw new ConnectFailure(503, 'unavailable', 'event store unavailable', 'store-failed');
      }
      metrics.accepted += 1;
      options.onAccepted?.();
      // Connect unary success: the (empty) SubmitTbotEventResponse in the request's own encoding.
      if (contentType === 'application/proto') res.writeHead(200, { 'content-type': 'application/proto', 'content-length': 0 }).end();
      else sendJson(res, 200, {});
    } finally {
      inFlight -= 1;
    }
  };

  const server = createServer({
    // A slowloris client must not hold a connection forever: headers and whole requests are timed,
    // and the timers are checked every second rather than Node's default 30.
    headersTimeout: options.headersTimeoutMs ?? 10_000,
    requestTimeout: options.requestTimeoutMs ?? 15_000,
    connectionsCheckingInterval: 1_000,
  }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === SUBMIT_TBOT_EVENT_PATH) {
      if (req.method !== 'POST') return void sendJson(res.setHeader('allow', 'POST'), 405, { code: 'unimplemented', message: 'use POST' });
      submit(req, res).catch((error: unknown) => {
        const failure = error instanceof ConnectFailure ? error : new ConnectFailure(500, 'internal', 'internal error', 'store-failed');
        metrics.reject(failure.reason);
        // Anything left unread of a rejected body is not worth keeping the connection for: the
        // response says close, and Node closes the socket once the answer is written.
        if (!req.complete) {
          res.setHeader('connection', 'close');
          req.resume();
        }
        if (!res.headersSent) sendJson(res, failure.status, { code: failure.code, message: failure.message });
      });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (req.method === 'GET' && path === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
    sendJson(res, 404, { code: 'unimplemented', message: 'no such endpoint' });
  });
  server.keepAliveTimeout = 5_000;
  server.maxConnections = options.maxConnections ?? 2_048;
  return server;
}
