/**
 * The collector's HTTP front: every registered Connect unary procedure, plus /healthz and
 * /metrics. Privacy: neither the client address nor any request header is stored or logged; the
 * store receives only validated events and the time they arrived.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientKey } from '../../net/client-key.js';
import type { CollectorMetrics } from '../metrics.js';
import type { SegmentStore } from '../store/segment-store.js';
import {
  checkProtocolVersion,
  ConnectFailure,
  deadlineExceeded,
  HttpRefusal,
  readBody,
  requestEncoding,
  requestTimeoutMs,
  sendFailure,
  type Encoding,
} from './connect-protocol.js';
import { ANONYMOUS_CALLER, type Accepted, type IngestNotes, type IngestService } from './service.js';
import { INGEST_SERVICES } from './services/index.js';

export interface IngestOptions {
  store: SegmentStore;
  metrics: CollectorMetrics;
  now: () => Date;
  services?: readonly IngestService[];
  /** The body limit of services that set none. */
  maxBodyBytes?: number;
  /** Requests being decoded or awaiting their fsync; beyond this, clients are told to retry later. */
  maxInFlight?: number;
  maxConnections?: number;
  /** Open connections one client (an IPv4 address or an IPv6 /64) may hold; 0 means no cap. */
  maxConnectionsPerAddress?: number;
  /** A new connection that sends nothing for this long is closed. */
  idleTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Called after events are durably stored (the forwarder uses it to wake up). */
  onAccepted?: (count: number) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 2_048;
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;
export const DEFAULT_IDLE_TIMEOUT_MS = 5_000;

/** `/package.Service/Method`: a Connect procedure path, served or not. */
const PROCEDURE_PATH = /^\/[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+\/[A-Za-z_][A-Za-z0-9_]*$/;

/** Counted only once the request's events are stored: a refused request counts nothing. */
function countNotes(metrics: CollectorMetrics, family: string, notes: Partial<IngestNotes> | undefined): void {
  if (notes === undefined) return;
  if ((notes.unknownFields ?? 0) > 0) metrics.count('unknownFields', `family="${family}"`, notes.unknownFields);
  metrics.privacyDroppedFields += notes.privacyDroppedFields ?? 0;
  for (const redaction of notes.redactions ?? []) metrics.count('redactions', `family="${redaction.family ?? family}",field="${redaction.field}",rule="${redaction.rule}"`);
  for (const unknown of notes.unknownEvents ?? []) metrics.count('unknownEvents', `family="${unknown.family}",number="${unknown.number}"`);
}

export function createIngestServer(options: IngestOptions): Server {
  const { store, metrics, now } = options;
  const maxInFlight = options.maxInFlight ?? 10_000;
  const routes = new Map((options.services ?? INGEST_SERVICES).map((service) => [service.path, service]));
  let inFlight = 0;

  /** Read, decode, validate, store. Stops before storing anything once `deadline` has fired. */
  const handle = async (service: IngestService, req: IncomingMessage, encoding: Encoding, deadline: AbortSignal | undefined): Promise<Accepted['response']> => {
    const body = await readBody(req, service.maxBodyBytes ?? options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, deadline);
    const receivedAt = now();
    // Plain HTTP/1.1 has no way to prove a tenant: every caller here is anonymous.
    if (service.auth === 'tenant') throw new ConnectFailure('unauthenticated', 'this procedure needs a tenant client certificate', 'unauthenticated');
    const { events, families, notes, response } = service.accept(encoding, body, receivedAt, ANONYMOUS_CALLER);
    if (deadline?.aborted === true) throw deadline.reason;
    let stored: number;
    try {
      stored = await store.appendAll(events.map((event, index) => ({ received_at: receivedAt.toISOString(), family: families?.[index] ?? service.family, event })));
    } catch {
      throw new ConnectFailure('unavailable', 'event store unavailable', 'store-failed');
    }
    metrics.accepted += stored;
    countNotes(metrics, service.family, notes);
    if (stored > 0) options.onAccepted?.(stored);
    return response;
  };

  const submit = async (service: IngestService, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    metrics.received += 1;
    const encoding = requestEncoding(req);
    checkProtocolVersion(req);
    const timeoutMs = requestTimeoutMs(req);
    // The protocol's advice: an overloaded server is unavailable (retry later), not out of quota.
    if (inFlight >= maxInFlight) throw new ConnectFailure('unavailable', 'collector overloaded; retry later', 'overloaded');
    inFlight += 1;
    const deadline = timeoutMs === undefined ? undefined : new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const work = handle(service, req, encoding, deadline?.signal).finally(() => (inFlight -= 1));
    let response: Awaited<typeof work>;
    try {
      if (timeoutMs === undefined || deadline === undefined) response = await work;
      else {
        // The answer goes out at the deadline even if the work is still waiting on the disk. What
        // was already handed to the store is still stored: the protocol lets deadline_exceeded
        // mean "may have completed".
        const expired = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            deadline.abort(deadlineExceeded(timeoutMs));
            reject(deadline.signal.reason);
          }, timeoutMs);
        });
        work.catch(() => undefined);
        response = await Promise.race([work, expired]);
      }
    } finally {
      clearTimeout(timer);
    }
    // Connect unary success: the procedure's response message (empty for most) in the request's encoding.
    if (encoding === 'proto') {
      const bytes = response?.binary ?? new Uint8Array();
      res.writeHead(200, { 'content-type': 'application/proto', 'content-length': bytes.length }).end(bytes);
    } else {
      const text = response === undefined ? '{}' : JSON.stringify(response.json);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    }
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, failure: ConnectFailure | HttpRefusal): void => {
    metrics.reject(failure.reason);
    // Anything left unread of a refused body is not worth keeping the connection for: the
    // response says close, and Node closes the socket once the answer is written.
    if (!req.complete) {
      res.setHeader('connection', 'close');
      req.resume();
    }
    if (!res.headersSent) sendFailure(res, failure);
  };

  // Not an ES module import of node:http: that reads every export, and on Node 22 its WebSocket
  // export loads undici (about 20 ms and 11 MB) for nothing.
  const server = process.getBuiltinModule('node:http').createServer(
    {
      // A slowloris client must not hold a connection forever: headers and whole requests are timed,
      // and the timers are checked every second rather than Node's default 30.
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 15_000,
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      // Past the first request's headers: the idle timer set on connection has done its job, and the
      // header, request and keep-alive timeouts take over.
      if (req.socket.timeout !== 0 && !req.socket.destroyed) req.socket.setTimeout(0);
      const path = (req.url ?? '/').split('?')[0]!;
      const service = routes.get(path);
      if (service !== undefined) {
        // Unary Connect calls are POSTs; GET is only for procedures without side effects.
        if (req.method !== 'POST') return refuse(req, res, new HttpRefusal(405, 'use POST', { allow: 'POST' }, 'bad-method'));
        submit(service, req, res).catch((error: unknown) => {
          refuse(req, res, error instanceof ConnectFailure || error instanceof HttpRefusal ? error : new ConnectFailure('internal', 'internal error', 'internal'));
        });
        return;
      }
      if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      if (req.method === 'GET' && path === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
      if (PROCEDURE_PATH.test(path)) return refuse(req, res, new ConnectFailure('unimplemented', `${path.slice(1)} is not implemented`, 'no-such-procedure'));
      refuse(req, res, new ConnectFailure('not_found', `no such endpoint ${JSON.stringify(path)}`, 'no-such-path'));
    },
  );
  server.keepAliveTimeout = 5_000;
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  limitConnections(server, metrics, options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  return server;
}

/**
 * Idle sockets are cheap to open and the server holds only so many: one client holding them all
 * would lock everyone else out. Each client may hold `perAddress` connections (beyond that a new
 * one is closed on arrival), and a connection that sends nothing for `idleMs` is closed. Behind a
 * reverse proxy every connection comes from the proxy, so there the proxy limits clients and this
 * cap is turned off (0).
 */
function limitConnections(server: Server, metrics: CollectorMetrics, perAddress: number, idleMs: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress);
    const count = open.get(key) ?? 0;
    if (perAddress > 0 && count >= perAddress) {
      metrics.connectionsRefused += 1;
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
    });
    // With no 'timeout' listener of ours, Node's HTTP server destroys the socket when this fires.
    socket.setTimeout(idleMs);
  });
}
