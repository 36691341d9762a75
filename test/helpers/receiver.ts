/**
 * A real loopback HTTP receiver for the agent's analytics, with a recording TCP front so tests can
 * see every byte the agent sent (request line, headers and body) and count connections.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';

export type Behaviour =
  | 'ok' // 200 {}
  | 'status-500'
  | 'status-429'
  | 'redirect' // 307 to another loopback receiver path
  | 'slow' // answers after 5 s
  | 'huge' // 200 with a 10 MB body
  | 'malformed' // 200 with a non-JSON body
  | 'blackhole'; // accepts the connection, never answers

export interface CapturedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaderNames: string[];
  body: string;
}

export interface Receiver {
  /** Base URL to give the agent as TBOT_ANALYTICS_ENDPOINT. */
  url: string;
  requests: CapturedRequest[];
  /** Every byte received on every connection, in arrival order. */
  bytes(): Buffer;
  connectionCount(): number;
  /** Resolves when `n` requests have been fully received. */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const TEN_MB = 10 * 1024 * 1024;

export async function startReceiver(behaviour: Behaviour = 'ok'): Promise<Receiver> {
  const requests: CapturedRequest[] = [];
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const waiters: { n: number; resolve: () => void }[] = [];

  const backend: HttpServer = createHttpServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (chunk: Buffer) => body.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaderNames: req.rawHeaders.filter((_, index) => index % 2 === 0),
        body: Buffer.concat(body).toString('utf8'),
      });
      for (const waiter of waiters.splice(0)) requests.length >= waiter.n ? waiter.resolve() : waiters.push(waiter);
      respond(behaviour, res);
    });
  });
  backend.keepAliveTimeout = 500;
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  const backendPort = (backend.address() as AddressInfo).port;

  const front: TcpServer = createTcpServer((client) => {
    connections += 1;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    client.on('data', (chunk) => chunks.push(chunk));
    if (behaviour === 'blackhole') return;
    const upstream = connect(backendPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  const url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    bytes: () => Buffer.concat(chunks),
    connectionCount: () => connections,
    waitForRequests: (n, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (requests.length >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`receiver got ${requests.length} of ${n} requests`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      backend.closeAllConnections();
      await Promise.all([new Promise((resolve) => front.close(resolve)), new Promise((resolve) => backend.close(resolve))]);
    },
  };
}

function respond(behaviour: Behaviour, res: import('node:http').ServerResponse): void {
  switch (behaviour) {
    case 'ok':
    case 'blackhole':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    case 'status-500':
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"internal","message":"boom"}');
      return;
    case 'status-429':
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"code":"resource_exhausted","message":"slow down"}');
      return;
    case 'redirect':
      res.writeHead(307, { location: '/elsewhere/prehog.v1alpha.TbotReportingService/SubmitTbotEvent' }).end();
      return;
    case 'slow': {
      const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 5_000);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    case 'huge': {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(TEN_MB) });
      const block = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < TEN_MB) {
          sent += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
      return;
    }
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json</html>');
      return;
  }
}

/** A loopback port with nothing listening on it (connection refused). */
export async function refusedUrl(): Promise<string> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
