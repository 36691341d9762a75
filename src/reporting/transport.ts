/** What a reporter hands its transport, and what it gets back. The default is HTTP over node:http. */

export interface HttpRequest {
  method: 'POST';
  url: string;
  /** Every header the reporter sets. node:http adds only host, connection (close) and content-length. */
  headers: Readonly<Record<string, string>>;
  body: string;
}

export type SendOutcome = { ok: true; status: number } | { ok: false; reason: 'aborted' | 'timeout' | 'network' | 'http-status' | 'malformed-response'; detail: string };

export interface SendOptions {
  /** Hard cap for the whole exchange, response body included. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Sends one request. Must never throw: every failure is a SendOutcome. */
export type Transport = (request: HttpRequest, options: SendOptions) => Promise<SendOutcome>;

/** ky over node:http, loaded on the first send: a reporter that never sends never loads an HTTP client. */
export const httpTransport: Transport = (request, options) => import('./http-transport.js').then(({ sendHttpRequest }) => sendHttpRequest(request, options));
