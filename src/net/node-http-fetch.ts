/**
 * The transport under ky: a fetch-compatible function over node:http/https. Node 20's built-in
 * fetch costs ~100 ms of start-up on first use (undici and its WASM HTTP parser; bench/agent-startup
 * prints the figure), which would double the run time of an opted-in one-shot agent. Node's native
 * HTTP client does the same one request without it. It never pools connections (agent: false), so
 * no keep-alive socket outlives the request, and it does not follow redirects.
 *
 * It answers with a FetchResponse (fetch-classes.ts), never undici's Response: in the bundles ky
 * itself runs on those classes, so sending loads nothing of undici.
 */
import type { IncomingMessage } from 'node:http';
import { FetchBody, FetchHeaders, FetchRequest, FetchResponse, type FetchRequestInit } from './fetch-classes.js';

export class RedirectRefusedError extends Error {
  override name = 'RedirectRefusedError';
  readonly code = 'REDIRECT_REFUSED';
  constructor(readonly status: number) {
    super(`HTTP ${status} redirect not followed`);
  }
}

function toHeaders(message: IncomingMessage): FetchHeaders {
  const headers = new FetchHeaders();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

/** What is read of a request: ky's (a FetchRequest in the bundles, undici's Request under tsx) or one made here. */
interface RequestLike {
  url: string;
  method: string;
  headers: { forEach(callback: (value: string, name: string) => void): void };
  signal: AbortSignal;
  body: unknown;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A client certificate, its key and the CAs to trust, for mutual TLS (PEM). Only used for https. */
export interface ClientTlsOptions {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

/** Typed as fetch for ky's `fetch` option; what it resolves to is a FetchResponse. */
export async function nodeHttpFetch(input: Request | string | URL, init?: RequestInit, tls?: ClientTlsOptions): Promise<Response> {
  const request: RequestLike = typeof input === 'string' || input instanceof URL ? new FetchRequest(input, init as FetchRequestInit) : input;
  const url = new URL(request.url);
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined) headers['content-length'] = String(body.byteLength);

  // Taken with getBuiltinModule, not imported: an ES module import of node:http reads every export,
  // and on Node 22 its WebSocket export loads undici (the ESM bundles, e.g. the reporting library,
  // would pay for it at load). TLS loads only for an https endpoint.
  const send = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : process.getBuiltinModule('node:http').request;
  return new Promise<FetchResponse>((resolve, reject) => {
    // fetch reports transport failures as TypeError with the system error as cause; so does this.
    const fail = (cause: unknown): void => reject(request.signal.aborted ? request.signal.reason : new TypeError('fetch failed', { cause }));
    const outgoing = send(url, { method: request.method, headers, agent: false, signal: request.signal, ...tls }, (incoming) => {
      const status = incoming.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        incoming.destroy();
        fail(new RedirectRefusedError(status));
        return;
      }
      const hasBody = status !== 204 && status !== 304 && request.method !== 'HEAD';
      if (!hasBody) incoming.resume();
      try {
        resolve(new FetchResponse(hasBody ? new FetchBody(incoming) : null, { status, statusText: incoming.statusMessage ?? '', headers: toHeaders(incoming) }));
      } catch (error) {
        // A status fetch cannot represent (600 and up), or a header it refuses.
        incoming.destroy();
        fail(error);
      }
    });
    outgoing.on('error', fail);
    outgoing.end(body);
  }) as unknown as Promise<Response>;
}
