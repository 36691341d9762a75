/**
 * What a reporter hands its transport, and what it gets back: in a file of their own, so that the
 * default transport (http-transport.ts) and the lazy handle that loads it (transport.ts) both
 * import these and not each other.
 */

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
