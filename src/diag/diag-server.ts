/**
 * The diagnostics listener (`diag_addr`): GET /livez, /readyz, /readyz/<output name>, /metrics, and
 * /wait, /wait/<output name> (what `tbot wait` polls; here they answer as /readyz does),
 * bound to exactly the configured host and port. It reads the agent's status board and never
 * writes anything; a request body is never read.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OutputStatusBoard } from '../agent/output-status.js';
import { TbotError } from '../errors.js';
import { agentMetricFamilies } from './agent-metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheusText } from './prometheus-text.js';
import { readyzBody, serviceHealth } from './readyz.js';

/** The listener could not be opened; the agent stops before renewing anything. */
export class DiagnosticsError extends TbotError {
  readonly exitCode = 1;
  override name = 'DiagnosticsError';
}

export interface DiagSources {
  board: OutputStatusBoard;
  now: () => Date;
  processStartedAt: Date;
}

export interface DiagServer {
  /** e.g. http://127.0.0.1:3001 (the port actually bound, when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

const READYZ_PREFIX = '/readyz/';
const WAIT_PREFIX = '/wait/';

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body, null, 2)}\n`);
}

function handle(sources: DiagSources, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
    response.end(`${JSON.stringify({ error: 'Only GET and HEAD are supported.' })}\n`);
    return;
  }
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (path === '/metrics') {
    response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
    response.end(renderPrometheusText(agentMetricFamilies(sources.board.list(), sources.now(), sources.processStartedAt)));
    return;
  }
  const [status, body] = jsonAnswer(sources, path);
  sendJson(response, status, body);
}

/** The status code and JSON body for every path but /metrics. */
function jsonAnswer(sources: DiagSources, path: string): [status: number, body: unknown] {
  if (path === '/livez') return [200, { status: 'ok' }];
  if (path === '/readyz' || path === '/wait') {
    const body = readyzBody(sources.board.list());
    return [body.status === 'healthy' ? 200 : 503, body];
  }
  const prefix = [READYZ_PREFIX, WAIT_PREFIX].find((candidate) => path.startsWith(candidate));
  if (prefix !== undefined) {
    let name: string;
    try {
      name = decodeURIComponent(path.slice(prefix.length));
    } catch {
      return [400, { error: 'The output name is not valid percent-encoding.' }];
    }
    const status = sources.board.get(name);
    if (status === undefined) return [404, { error: `Service named ${JSON.stringify(name)} not found.` }];
    return [status.state === 'healthy' ? 200 : 503, serviceHealth(status)];
  }
  return [404, { error: 'Not found. Try /livez, /readyz, /readyz/<output name>, /wait or /metrics.' }];
}

function describeListenError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'the address is already in use';
    case 'EADDRNOTAVAIL':
      return 'the address does not belong to this host';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (ports below 1024 need privileges)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    default:
      return error.code ?? error.message;
  }
}

const hostForUrl = (address: AddressInfo): string => (address.family === 'IPv6' ? `[${address.address}]` : address.address);

export function startDiagServer(listen: { host: string; port: number }, sources: DiagSources): Promise<DiagServer> {
  const server = createServer((request, response) => handle(sources, request, response));
  // Scrapes are tiny: a slow or idle client gets little time and holds nothing open for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new DiagnosticsError(`diagnostics listener on ${listen.host}:${listen.port}: ${describeListenError(error)}`, { cause: error }));
    });
    server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => {
      const address = server.address() as AddressInfo;
      resolve({
        url: `http://${hostForUrl(address)}:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
