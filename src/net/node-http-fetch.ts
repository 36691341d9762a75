/**
 * The transport under ky: a fetch-compatible function over node:http/https. Node 20's built-in
 * fetch costs ~100 ms of start-up on first use (undici and its WASM HTTP parser; bench/agent-startup
 * prints the figure), which would double the run time of an opted-in one-shot agent. Node's native
 * HTTP client does the same one request without it. It never pools connections (agent: false), so
 * no keep-alive socket outlives the request, and it does not follow redirects.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

export class RedirectRefusedError extends Error {
  override name = 'RedirectRefusedError';
  readonly code = 'REDIRECT_REFUSED';
  constructor(readonly status: number) {
    super(`HTTP ${status} redirect not followed`);
  }
}

function toHeaders(message: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}

export async function nodeHttpFetch(input: Request | string | URL, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request ? input : new Request(input, init);
  const url = new URL(request.url);
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined) headers['content-length'] = String(body.byteLength);

  return new Promise<Response>((resolve, reject) => {
    // fetch reports transport failures as TypeError with the system error as cause; so does this.
    const fail = (cause: unknown): void => reject(request.signal.aborted ? request.signal.reason : new TypeError('fetch failed', { cause }));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(url, { method: request.method, headers, agent: false, signal: request.signal }, (incoming) => {
      const status = incoming.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        incoming.destroy();
        fail(new RedirectRefusedError(status));
        return;
      }
      const hasBody = status !== 204 && status !== 304 && request.method !== 'HEAD';
      const stream = hasBody ? (Readable.toWeb(incoming) as ReadableStream<Uint8Array>) : null;
      if (!hasBody) incoming.resume();
      resolve(new Response(stream, { status, statusText: incoming.statusMessage ?? '', headers: toHeaders(incoming) }));
    });
    outgoing.on('error', fail);
    outgoing.end(body);
  });
}
