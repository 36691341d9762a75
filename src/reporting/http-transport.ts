/**
 * The reporter's default transport, and the only code of it that touches the network: ky over
 * node:http. One attempt, bounded in time and in bytes read, and it never throws: every failure
 * becomes a SendOutcome. The reporter loads this module on its first send, so a process that
 * never sends never evaluates ky or the WHATWG fetch classes.
 */
import ky, { HTTPError, TimeoutError } from 'ky';
import { discardBody, readBodyBounded } from '../net/bounded-body.js';
import { type ClientTlsOptions, nodeHttpFetch } from '../net/node-http-fetch.js';
import type { HttpRequest, SendOptions, SendOutcome } from './transport-types.js';

/** A Connect unary success is `{}`; anything near this size is not a reply from a collector. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** `tls`: a client certificate for mutual TLS (the usage submitter's); https only. */
export async function sendHttpRequest(request: HttpRequest, options: SendOptions, tls?: ClientTlsOptions): Promise<SendOutcome> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  try {
    const response = await ky(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      retry: 0,
      timeout: false,
      signal,
      // A redirect could carry the body to a host the user never configured.
      redirect: 'error',
      credentials: 'omit',
      fetch: tls === undefined ? nodeHttpFetch : (input, init) => nodeHttpFetch(input, init, tls),
    });
    const { text, whole } = await readBodyBounded(response, MAX_RESPONSE_BYTES);
    if (!whole) return { ok: false, reason: 'malformed-response', detail: `response larger than ${MAX_RESPONSE_BYTES} bytes` };
    if (!isJsonObject(text)) return { ok: false, reason: 'malformed-response', detail: 'response is not a JSON object' };
    return { ok: true, status: response.status };
  } catch (error) {
    // ky throws on a non-2xx status before anything reads the body: release its socket now.
    if (error instanceof HTTPError) await discardBody(error.response);
    return describeFailure(error, options.signal, timeout);
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function describeFailure(error: unknown, callerSignal: AbortSignal | undefined, timeout: AbortSignal): SendOutcome {
  if (callerSignal?.aborted === true) return { ok: false, reason: 'aborted', detail: 'stopped by the sender' };
  if (timeout.aborted || error instanceof TimeoutError) return { ok: false, reason: 'timeout', detail: 'no answer in time' };
  if (error instanceof HTTPError) return { ok: false, reason: 'http-status', detail: `HTTP ${error.response.status}` };
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return { ok: false, reason: 'network', detail };
}
