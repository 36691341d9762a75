/**
 * The collector's HTTP front: every registered procedure, plus /healthz and /metrics, over
 * HTTP/1.1 and HTTP/2 (h2c on a plain listener, ALPN with TLS). Connect unary calls take the
 * hand-written path of connect-protocol.ts; gRPC and gRPC-Web take connect-node's (rpc-router.ts).
 * Privacy: neither the client address nor any request header is stored or logged; the store
 * receives only validated events, the time they arrived and, for tenants, the proved tenant.
 */
import { create, toBinary, toJsonString, type DescMessage } from '@bufbuild/protobuf';
import type { TenantTrust } from '../tenants/tenant-trust.js';
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
  type HttpRequest as AnyRequest,
  type HttpResponse as AnyResponse,
} from './connect-protocol.js';
import { createIngestCore, type IngestCoreOptions } from './ingest-core.js';
import { createListener, type IngestServer } from './listener.js';
import { methodOf, PROCEDURE_PATH } from './procedures.js';
import { ANONYMOUS_CALLER, type Accepted, type Caller, type IngestService } from './service.js';
import { INGEST_SERVICES } from './services/index.js';

export type { IngestServer } from './listener.js';

export interface IngestOptions extends IngestCoreOptions {
  services?: readonly IngestService[];
  /** The body limit of services that set none. */
  maxBodyBytes?: number;
  maxConnections?: number;
  /** Open connections one client (an IPv4 address or an IPv6 /64) may hold; 0 means no cap. */
  maxConnectionsPerAddress?: number;
  /** A new connection that sends nothing for this long is closed; so is an HTTP/2 session idle this long. */
  idleTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Serve HTTPS (ALPN h2 and http/1.1) with this certificate, and, with `tenants`, ask for client certificates. */
  tls?: { certPem: string; keyPem: string; tenants?: TenantTrust };
  /**
   * Who answers Connect unary calls: 'builtin' (connect-protocol.ts, the default) or 'connect-node'.
   * gRPC and gRPC-Web always go through connect-node. Both answer the same conformance tests.
   */
  connectPath?: ConnectPath;
  /** Pages served on the same port beside the procedures (the dashboard): the paths they own and their handler. */
  pages?: { owns(path: string): boolean; handle(req: AnyRequest, res: AnyResponse): void };
}

export type ConnectPath = 'builtin' | 'connect-node';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 2_048;
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;
export const DEFAULT_IDLE_TIMEOUT_MS = 5_000;

/** gRPC and gRPC-Web announce themselves in the content type; everything else is a Connect unary call. */
const isGrpcFamily = (contentType: string | undefined): boolean => contentType !== undefined && /^application\/grpc(?:-web(?:-text)?)?(?:[+;]|$)/i.test(contentType);

export function createIngestServer(options: IngestOptions): IngestServer {
  const { metrics } = options;
  const services = options.services ?? INGEST_SERVICES;
  const routes = new Map(services.map((service) => [service.path, service]));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const core = createIngestCore(options);
  const callerOf = (req: AnyRequest): Caller => (options.tls?.tenants === undefined ? ANONYMOUS_CALLER : options.tls.tenants.callerOf(req));

  /** Read, decode, validate, store. Stops before storing anything once `deadline` has fired. */
  const handle = async (service: IngestService, req: AnyRequest, encoding: Encoding, deadline: AbortSignal | undefined): Promise<Accepted> => {
    const body = await readBody(req, service.maxBodyBytes ?? maxBodyBytes, deadline);
    return core.ingest(service, encoding, body, callerOf(req), deadline);
  };

  const submit = async (service: IngestService, req: AnyRequest, res: AnyResponse): Promise<void> => {
    metrics.received += 1;
    const encoding = requestEncoding(req);
    checkProtocolVersion(req);
    const timeoutMs = requestTimeoutMs(req);
    const deadline = timeoutMs === undefined ? undefined : new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const work = core.withSlot(() => handle(service, req, encoding, deadline?.signal));
    let accepted: Accepted;
    try {
      if (timeoutMs === undefined || deadline === undefined) accepted = await work;
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
        accepted = await Promise.race([work, expired]);
      }
    } finally {
      clearTimeout(timer);
    }
    sendResponse(res, encoding, service.path, accepted.response);
  };

  const refuse = (req: AnyRequest, res: AnyResponse, failure: ConnectFailure | HttpRefusal): void => {
    metrics.reject(failure.reason);
    // Anything left unread of a refused body is not worth keeping the connection for: the
    // response says close, and Node closes the socket once the answer is written. (HTTP/2 has no
    // such header: there the stream alone ends.)
    if (!req.complete) {
      if (req.httpVersionMajor === 1) res.setHeader('connection', 'close');
      req.resume();
    }
    if (!res.headersSent) sendFailure(res, failure);
  };

  /** The collector's own endpoints and the answers for paths no procedure serves. */
  const fallback = (req: AnyRequest, res: AnyResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (req.method === 'GET' && path === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render());
    if (PROCEDURE_PATH.test(path)) return void refuse(req, res, new ConnectFailure('unimplemented', `${path.slice(1)} is not implemented`, 'no-such-procedure'));
    refuse(req, res, new ConnectFailure('not_found', `no such endpoint ${JSON.stringify(path)}`, 'no-such-path'));
  };

  // connect-node and the descriptors it routes by are loaded on the first call that needs them:
  // a collector that only ever sees Connect unary calls starts without them.
  let rpc: Promise<(req: AnyRequest, res: AnyResponse) => void> | undefined;
  const rpcHandler = () => (rpc ??= import('./rpc-router.js').then(({ createRpcHandler }) => createRpcHandler({ core, metrics, services, maxBodyBytes, callerOf, fallback })));
  const builtinConnect = (options.connectPath ?? 'builtin') === 'builtin';

  const onRequest = (req: AnyRequest, res: AnyResponse): void => {
    // Past the first request's headers: the idle timer set on connection has done its job, and the
    // header, request and keep-alive timeouts take over.
    if (req.httpVersionMajor === 1 && req.socket.timeout !== 0 && !req.socket.destroyed) req.socket.setTimeout(0);
    const path = (req.url ?? '/').split('?')[0]!;
    if (options.pages?.owns(path) === true) return void options.pages.handle(req, res);
    const service = routes.get(path);
    if (service === undefined) return void fallback(req, res);
    if (!builtinConnect || isGrpcFamily(req.headers['content-type']))
      return void rpcHandler().then(
        (handle) => handle(req, res),
        () => refuse(req, res, new ConnectFailure('internal', 'internal error', 'internal')),
      );
    // Unary Connect calls are POSTs; GET is only for procedures without side effects.
    if (req.method !== 'POST') return void refuse(req, res, new HttpRefusal(405, 'use POST', { allow: 'POST' }, 'bad-method'));
    submit(service, req, res).catch((error: unknown) => {
      refuse(req, res, error instanceof ConnectFailure || error instanceof HttpRefusal ? error : new ConnectFailure('internal', 'internal error', 'internal'));
    });
  };

  return createListener(onRequest, {
    metrics,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
}

/**
 * Connect unary success: the procedure's response message in the request's encoding. Most are
 * empty, and the empty message needs no descriptor, so none is looked up for it.
 */
function sendResponse(res: AnyResponse, encoding: Encoding, path: string, response: Accepted['response']): void {
  const output = (): DescMessage => methodOf(path).output;
  if (encoding === 'proto') {
    const bytes = response === undefined ? EMPTY : toBinary(output(), create(output(), response as never));
    res.writeHead(200, { 'content-type': 'application/proto', 'content-length': bytes.length }).end(bytes);
    return;
  }
  const text = response === undefined ? '{}' : toJsonString(output(), create(output(), response as never));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

const EMPTY = new Uint8Array(0);
