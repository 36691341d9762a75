/**
 * The sockets under the collector's HTTP: one port that speaks HTTP/1.1 and HTTP/2. Plain, the
 * first bytes decide: HTTP/2's connection preface goes to an h2c server, anything else to
 * node:http. With TLS, ALPN decides (h2, else http/1.1). Either way the connection caps, the idle
 * timer and the per-address limit apply before a byte is parsed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse, Http2Session, SecureServerOptions } from 'node:http2';
import type { Server, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { clientKey } from '../../net/client-key.js';
import type { CollectorMetrics } from '../metrics.js';
import type { TenantTrust } from '../tenants/tenant-trust.js';
import { closeGently, DEFAULT_LINGER_BOUNDS } from './lingering-close.js';
import { closeWhenIdle } from './session-idle.js';

/** A listening front: listen / address / close as net.Server, plus dropping every open connection. */
export interface IngestServer extends Server {
  closeAllConnections(): void;
}

export interface ListenerOptions {
  metrics: CollectorMetrics;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  idleTimeoutMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  tls?: { certPem: string; keyPem: string; tenants?: TenantTrust };
}

type RequestHandler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** HTTP/2 settings that bound what one peer may make the server hold. */
const H2_LIMITS = {
  settings: { maxConcurrentStreams: 100, maxHeaderListSize: 16 * 1024 },
  maxSessionMemory: 10,
  maxHeaderListPairs: 128,
};

export function createListener(handler: RequestHandler, options: ListenerOptions): IngestServer {
  // An HTTP/1.1 answer may leave before its body is in (a refusal): the connection then closes in stages.
  const onRequest: RequestHandler = (req, res) => {
    closeGently(req, res, DEFAULT_LINGER_BOUNDS);
    handler(req, res);
  };
  const http = process.getBuiltinModule('node:http');
  // node:http2 only when a connection needs it: most plain collectors never see HTTP/2.
  const http2 = () => process.getBuiltinModule('node:http2');
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Socket>();
  const trackSession = (session: Http2Session): void => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // An HTTP/2 connection multiplexes calls, so its idle timer is the session's, not the socket's.
    closeWhenIdle(session, options.idleTimeoutMs);
  };
  const boundStreams = (server: import('node:http2').Http2Server | import('node:http2').Http2SecureServer): void => {
    server.on('session', trackSession);
    // A stream that stops sending is cut: the HTTP/2 counterpart of HTTP/1.1's request timeout.
    server.on('stream', (stream) => stream.setTimeout(options.requestTimeoutMs, () => stream.close(http2().constants.NGHTTP2_CANCEL)));
  };

  let front: Server;
  if (options.tls === undefined) {
    // Not an ES module import of node:http: that reads every export, and on Node 22 its WebSocket
    // export loads undici (about 20 ms and 11 MB) for nothing.
    const h1 = http.createServer(
      {
        // A slowloris client must not hold a connection forever: headers and whole requests are
        // timed, and the timers are checked every second rather than Node's default 30.
        headersTimeout: options.headersTimeoutMs,
        requestTimeout: options.requestTimeoutMs,
        connectionsCheckingInterval: 1_000,
      },
      onRequest,
    );
    h1.keepAliveTimeout = 5_000;
    let h2c: import('node:http2').Http2Server | undefined;
    const h2cServer = (): import('node:http2').Http2Server => {
      if (h2c === undefined) {
        h2c = http2().createServer(H2_LIMITS, onRequest);
        boundStreams(h2c);
      }
      return h2c;
    };
    front = process.getBuiltinModule('node:net').createServer((socket) => {
      socket.once('readable', () => {
        const head = socket.read() as Buffer | null;
        if (head === null) return void socket.destroy();
        socket.unshift(head);
        // A prefix of the preface is enough: no HTTP/1.1 request line starts with "PRI * HTTP/2".
        const length = Math.min(head.length, PREFACE.length);
        if (!head.subarray(0, length).equals(PREFACE.subarray(0, length))) return void h1.emit('connection', socket);
        // The session's idle timer takes over from the socket's.
        socket.setTimeout(0);
        h2cServer().emit('connection', socket);
      });
    });
    // node:http starts its header and request timers when it starts listening; this one never
    // listens itself (the front does), so it is told when the front does, and when it closes.
    front.once('listening', () => h1.emit('listening'));
    front.once('close', () => h1.close());
    Object.assign(front, { closeAllConnections: () => h1.closeAllConnections() });
  } else {
    const tenants = options.tls.tenants;
    const secure: SecureServerOptions = {
      ...H2_LIMITS,
      cert: options.tls.certPem,
      key: options.tls.keyPem,
      allowHTTP1: true,
      minVersion: 'TLSv1.2',
      // Client certificates are asked for, never required: the client services stay open to anyone.
      // An offered certificate is judged once the handshake is done (tenant-trust.ts).
      ...(tenants === undefined ? {} : { requestCert: true, rejectUnauthorized: false, ca: tenants.caPems }),
    };
    // Every request is judged too, not only the connection: the first request of a connection can be
    // dispatched before 'secureConnection' reaches the listener below (the verdict is kept per socket).
    const admitted: RequestHandler =
      tenants === undefined
        ? onRequest
        : (req, res) => {
            if (tenants.admit(req.socket as TLSSocket)) return onRequest(req, res);
            // HTTP/2's socket is a proxy that refuses manipulation: end the session instead.
            if ('stream' in req) req.stream.session?.destroy();
            else req.socket.destroy();
          };
    const server = http2().createSecureServer(secure, admitted);
    // HTTP/1.1 over TLS gets the same header and request timers as plain HTTP/1.1 (node:http2
    // runs them for allowHTTP1 connections, from these fields, once the server listens).
    Object.assign(server, { headersTimeout: options.headersTimeoutMs, requestTimeout: options.requestTimeoutMs, connectionsCheckingInterval: 1_000 });
    boundStreams(server);
    // The idle timer of limitConnections is on the TCP socket under the TLS one; an HTTP/2
    // session takes over from it, so that socket is found again (by its peer) once ALPN is known.
    const handshaking = new Map<string, Socket>();
    const peerOf = (socket: Socket): string => `${socket.remoteAddress}|${socket.remotePort}`;
    server.on('connection', (tcp: Socket) => {
      const peer = peerOf(tcp);
      handshaking.set(peer, tcp);
      tcp.once('close', () => {
        if (handshaking.get(peer) === tcp) handshaking.delete(peer);
      });
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      const tcp = handshaking.get(peerOf(socket));
      handshaking.delete(peerOf(socket));
      if (tenants !== undefined && !tenants.admit(socket)) {
        options.metrics.tlsRefused += 1;
        return void socket.destroy();
      }
      if (socket.alpnProtocol === 'h2') {
        socket.setTimeout(0);
        tcp?.setTimeout(0);
      }
    });
    // The handshake itself is bounded by the idle timer below; a failed one is the client's problem.
    server.on('tlsClientError', () => undefined);
    front = server;
    Object.assign(front, { closeAllConnections: () => undefined });
  }
  const closeAll = (front as IngestServer).closeAllConnections;
  Object.assign(front, {
    closeAllConnections: () => {
      closeAll();
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  });
  front.maxConnections = options.maxConnections;
  limitConnections(front, options.metrics, options.maxConnectionsPerAddress, options.idleTimeoutMs, sockets);
  return front as IngestServer;
}

/**
 * Idle sockets are cheap to open and the server holds only so many: one client holding them all
 * would lock everyone else out. Each client may hold `perAddress` connections (beyond that a new
 * one is closed on arrival), and a connection that sends nothing for `idleMs` is closed. Behind a
 * reverse proxy every connection comes from the proxy, so there the proxy limits clients and this
 * cap is turned off (0).
 */
function limitConnections(server: Server, metrics: CollectorMetrics, perAddress: number, idleMs: number, sockets: Set<Socket>): void {
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
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      const left = (open.get(key) ?? 1) - 1;
      if (left === 0) open.delete(key);
      else open.set(key, left);
    });
    // Until the first request: HTTP/1.1 takes over its own timers then (server.ts clears this one),
    // HTTP/2 hands the socket to its session, whose idle timer is set on 'session'.
    socket.setTimeout(idleMs, () => {
      if (socket.listenerCount('timeout') <= 1) socket.destroy();
    });
  });
}
