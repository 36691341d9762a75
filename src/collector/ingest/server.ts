/**
 * The collector's HTTP front: every registered Connect unary procedure, plus /healthz and
 * /metrics. Privacy: neither the client address nor any request header is stored or logged; the
 * store receives only validated events and the time they arrived.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientKey } from '../../net/client-key.js';
import type { CollectorMetrics } from '../metrics.js';
import type { SegmentStore } from '../store/segment-store.js';
import { ConnectFailure, readBody, requestEncoding, sendConnectError, sendJson } from './connect-protocol.js';
import type { IngestService, IngestTally } from './service.js';
import { INGEST_SERVICES } from './services/index.js';

export interface IngestOptions {
  store: SegmentStore;
  metrics: CollectorMetrics;
  now: () => Date;
  services?: readonly IngestService[];
  maxBodyBytes?: number;
  /** Requests being decoded or awaiting their fsync; beyond this, clients get resource_exhausted. */
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

/** Holds what a service noticed until its request is stored: a rejected request counts nothing. */
class TallyBuffer implements IngestTally {
  private unknown = 0;
  private readonly redactions: [string, string][] = [];
  unknownField(): void {
    this.unknown += 1;
  }
  redacted(field: string, rule: string): void {
    this.redactions.push([field, rule]);
  }
  commit(metrics: CollectorMetrics, family: string): void {
    if (this.unknown > 0) metrics.count('unknownFields', `family="${family}"`, this.unknown);
    for (const [field, rule] of this.redactions) metrics.count('redactions', `family="${family}",field="${field}",rule="${rule}"`);
  }
}

export function createIngestServer(options: IngestOptions): Server {
  const { store, metrics, now } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxInFlight = options.maxInFlight ?? 10_000;
  const routes = new Map((options.services ?? INGEST_SERVICES).map((service) => [service.path, service]));
  let inFlight = 0;

  const submit = async (service: IngestService, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    metrics.received += 1;
    const encoding = requestEncoding(req);
    if (inFlight >= maxInFlight) throw new ConnectFailure(429, 'resource_exhausted', 'collector overloaded; retry later', 'overloaded');
    inFlight += 1;
    try {
      const body = await readBody(req, service.maxBodyBytes ?? maxBody);
      const receivedAt = now();
      const noticed = new TallyBuffer();
      const events = service.accept(encoding, body, receivedAt, noticed);
      try {
        await store.appendAll(events.map((event) => ({ received_at: receivedAt.toISOString(), family: service.family, event })));
      } catch {
        throw new ConnectFailure(503, 'unavailable', 'event store unavailable', 'store-failed');
      }
      noticed.commit(metrics, service.family);
      metrics.accepted += events.length;
      options.onAccepted?.(events.length);
      // Connect unary success: the procedure's (empty) response message in the request's encoding.
      if (encoding === 'proto') res.writeHead(200, { 'content-type': 'application/proto', 'content-length': 0 }).end();
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
    // Past the first request's headers: the idle timer set on connection has done its job, and the
    // header, request and keep-alive timeouts take over.
    if (!req.socket.destroyed) req.socket.setTimeout(0);
    const path = (req.url ?? '/').split('?')[0]!;
    const service = routes.get(path);
    if (service !== undefined) {
      if (req.method !== 'POST') return void sendJson(res.setHeader('allow', 'POST'), 405, { code: 'unimplemented', message: 'use POST' });
      submit(service, req, res).catch((error: unknown) => {
        const failure = error instanceof ConnectFailure ? error : new ConnectFailure(500, 'internal', 'internal error', 'store-failed');
        metrics.reject(failure.reason);
        // Anything left unread of a rejected body is not worth keeping the connection for: the
        // response says close, and Node closes the socket once the answer is written.
        if (!req.complete) {
          res.setHeader('connection', 'close');
          req.resume();
        }
        if (!res.headersSent) sendConnectError(res, failure);
      });
      return;
    }
    if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (req.method === 'GET' && path === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
    sendJson(res, 404, { code: 'unimplemented', message: 'no such endpoint' });
  });
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
