/**
 * Real @connectrpc/connect-node clients for every wire protocol the collector serves, built from the
 * runtime descriptors of schemas/*.proto: Connect (JSON, binary), gRPC and gRPC-Web, over
 * HTTP/1.1 or HTTP/2 (h2c for http://, ALPN h2 for https://), optionally with a client certificate.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { fromJson, type DescService, type JsonValue } from '@bufbuild/protobuf';
import { createClient, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { join } from 'node:path';
import { messageSchema, serviceSchema } from '../../src/protocol/descriptors.js';
import { tool } from './tools.js';

export type Protocol = 'connect' | 'grpc' | 'grpc-web';
export type HttpVersion = '1.1' | '2';

export interface Cell {
  protocol: Protocol;
  binary: boolean;
  http: HttpVersion;
}

/** Every combination a client can make: gRPC exists only over HTTP/2. */
export const CELLS: readonly Cell[] = (['connect', 'grpc', 'grpc-web'] as const).flatMap((protocol) =>
  [false, true].flatMap((binary) => (protocol === 'grpc' ? (['2'] as const) : (['1.1', '2'] as const)).map((http) => ({ protocol, binary, http }))),
);

export const cellName = (cell: Cell): string => `${cell.protocol} ${cell.binary ? 'binary' : 'JSON'} over HTTP/${cell.http}`;

export interface ClientTls {
  ca: string;
  cert?: string;
  key?: string;
}

/**
 * A fresh transport: HTTP/2 opens its own session and HTTP/1.1 its own agent without keep-alive,
 * so every transport made after a revocation does a new TLS handshake.
 */
export function transport(baseUrl: string, cell: Cell, tls?: ClientTls): Transport {
  const secure = tls === undefined ? {} : { ca: tls.ca, ...(tls.cert === undefined ? {} : { cert: tls.cert, key: tls.key }) };
  const common = { baseUrl, useBinaryFormat: cell.binary };
  if (cell.protocol === 'grpc') return createGrpcTransport({ ...common, nodeOptions: secure });
  const agent = tls === undefined ? new HttpAgent({ keepAlive: false }) : new HttpsAgent({ keepAlive: false, ...secure });
  const nodeOptions = cell.http === '2' ? secure : { ...secure, agent };
  const options = { ...common, httpVersion: cell.http, nodeOptions } as Parameters<typeof createConnectTransport>[0];
  return cell.protocol === 'connect' ? createConnectTransport(options) : createGrpcWebTransport(options);
}

/** Calls `/package.Service/Method` with a request given as ProtoJSON (converted to the message by the descriptors). */
export async function call(transportFor: Transport, path: string, json: unknown, options: { timeoutMs?: number } = {}): Promise<unknown> {
  const [, serviceName, methodName] = path.split('/') as [string, string, string];
  const service: DescService = serviceSchema(serviceName);
  const method = service.methods.find((candidate) => candidate.name === methodName);
  if (method === undefined) throw new Error(`no method ${path}`);
  const client = createClient(service, transportFor) as unknown as Record<string, (request: unknown, options: { timeoutMs?: number }) => Promise<unknown>>;
  return client[method.localName]!(fromJson(messageSchema(method.input.typeName), json as JsonValue), options);
}

/** An external CA and a client certificate it issued for CN=globex, made by openssl. */
export async function externalCa(dir: string): Promise<{ caFile: string; tls: Omit<ClientTls, 'ca'> }> {
  const path = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  tool('openssl', ['req', '-x509', ...ec, '-keyout', path('ext-ca.key'), '-out', path('ext-ca.crt'), '-subj', '/CN=external tenant CA', '-days', '2']);
  tool('openssl', ['req', ...ec, '-keyout', path('globex.key'), '-out', path('globex.csr'), '-subj', '/CN=globex']);
  await writeFile(path('client.ext'), 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  tool('openssl', [
    'x509',
    '-req',
    '-in',
    path('globex.csr'),
    '-CA',
    path('ext-ca.crt'),
    '-CAkey',
    path('ext-ca.key'),
    '-CAcreateserial',
    '-out',
    path('globex.crt'),
    '-days',
    '2',
    '-extfile',
    path('client.ext'),
  ]);
  return { caFile: path('ext-ca.crt'), tls: { cert: await readFile(path('globex.crt'), 'utf8'), key: await readFile(path('globex.key'), 'utf8') } };
}
