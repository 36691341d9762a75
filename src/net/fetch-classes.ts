/**
 * The part of the WHATWG fetch classes (Headers, Request, Response and a response body) that ky and
 * nodeHttpFetch use, over Buffers and Node streams. In Node 20 the global Request, Response,
 * Headers and FormData are undici's, and touching any of them (ky does at load, to probe for
 * request streams) loads all of undici: some 20–35 ms and 11 MB at start, for a one-request agent.
 * build.mjs hands these classes to ky in place of the globals, so ky stays the client and undici
 * is never loaded. test/unit/fetch-classes.test.ts holds them to the globals' behaviour.
 *
 * What is left out, on purpose: FormData, Blob and ReadableStream bodies, cloning a response, and
 * request bodies read as streams. ky asks for none of them with the options this code passes.
 */
import type { Readable } from 'node:stream';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SURROUNDING_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** Statuses whose responses never have a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

type HeaderSource = FetchHeaders | { forEach(callback: (value: string, name: string) => void): void } | Iterable<readonly [string, string]> | Record<string, string>;

function headerName(name: string): string {
  if (!TOKEN.test(name)) throw new TypeError(`Header name ${JSON.stringify(name)} is not valid`);
  return name.toLowerCase();
}

function headerValue(value: string): string {
  const normalized = String(value).replace(SURROUNDING_WHITESPACE, '');
  if (/[\0\r\n]/.test(normalized)) throw new TypeError(`Header value ${JSON.stringify(value)} is not valid`);
  return normalized;
}

export class FetchHeaders {
  readonly #values = new Map<string, string>();

  constructor(init?: HeaderSource) {
    if (init === undefined || init === null) return;
    if (typeof (init as { forEach?: unknown }).forEach === 'function' && !Array.isArray(init)) {
      (init as { forEach(callback: (value: string, name: string) => void): void }).forEach((value, name) => {
        this.append(name, value);
      });
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<readonly [string, string]>) {
        if (pair.length !== 2) throw new TypeError('Each header pair must be [name, value]');
        this.append(pair[0], pair[1]);
      }
    } else {
      for (const [name, value] of Object.entries(init as Record<string, string>)) this.append(name, value);
    }
  }

  append(name: string, value: string): void {
    const key = headerName(name);
    const normalized = headerValue(value);
    const existing = this.#values.get(key);
    this.#values.set(key, existing === undefined ? normalized : `${existing}, ${normalized}`);
  }

  set(name: string, value: string): void {
    this.#values.set(headerName(name), headerValue(value));
  }

  get(name: string): string | null {
    return this.#values.get(headerName(name)) ?? null;
  }

  has(name: string): boolean {
    return this.#values.has(headerName(name));
  }

  delete(name: string): void {
    this.#values.delete(headerName(name));
  }

  /** Sorted by name, as the standard iterates. */
  *entries(): IterableIterator<[string, string]> {
    for (const name of [...this.#values.keys()].sort()) yield [name, this.#values.get(name) as string];
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, name: string, headers: FetchHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }
}

export interface FetchBodyReader {
  read(): Promise<{ done: true; value: undefined } | { done: false; value: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/** A body read once, front to back: bytes in hand, or a Node stream (a response still arriving). */
export class FetchBody {
  #source: Uint8Array | Readable | undefined;
  #locked = false;

  constructor(source: Uint8Array | Readable) {
    this.#source = source;
  }

  get locked(): boolean {
    return this.#locked;
  }

  getReader(): FetchBodyReader {
    if (this.#locked) throw new TypeError('The body is locked to a reader');
    this.#locked = true;
    const source = this.#source;
    this.#source = undefined;
    if (source === undefined) return { read: async () => ({ done: true, value: undefined }), cancel: async () => undefined, releaseLock: () => undefined };
    if (source instanceof Uint8Array) {
      let pending: Uint8Array | undefined = source;
      return {
        read: async () => {
          const value = pending;
          pending = undefined;
          return value === undefined || value.byteLength === 0 ? { done: true, value: undefined } : { done: false, value };
        },
        cancel: async () => {
          pending = undefined;
        },
        releaseLock: () => undefined,
      };
    }
    const chunks = source[Symbol.asyncIterator]();
    return {
      read: async () => {
        const next = await chunks.next();
        return next.done === true ? { done: true, value: undefined } : { done: false, value: next.value as Uint8Array };
      },
      // Destroying the stream closes a response's socket. (Ending an iteration that never started
      // would not destroy it.)
      cancel: async () => {
        source.destroy();
        await chunks.return?.();
      },
      releaseLock: () => undefined,
    };
  }

  async cancel(reason?: unknown): Promise<void> {
    if (this.#locked) throw new TypeError('The body is locked to a reader');
    await this.getReader().cancel(reason);
  }
}

async function readAll(body: FetchBody | null): Promise<Buffer> {
  if (body === null) return Buffer.alloc(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  return Buffer.concat(chunks);
}

/** A body is read once, as the standard allows; a second read is a TypeError. */
abstract class BodyReading {
  #bodyUsed = false;

  get bodyUsed(): boolean {
    return this.#bodyUsed;
  }

  protected abstract readBody(): Promise<Buffer>;
  /** Whether there is a body at all: reading none leaves bodyUsed false, as the standard has it. */
  protected abstract hasBody(): boolean;

  private consume(): Promise<Buffer> {
    if (this.#bodyUsed) return Promise.reject(new TypeError('Body has already been used'));
    if (this.hasBody()) this.#bodyUsed = true;
    return this.readBody();
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return (await this.consume()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
}

export interface FetchRequestInit {
  method?: string;
  headers?: HeaderSource;
  body?: string | Uint8Array | ArrayBuffer | URLSearchParams | null;
  signal?: AbortSignal | null;
  redirect?: 'follow' | 'error' | 'manual';
  credentials?: 'omit' | 'same-origin' | 'include';
  [other: string]: unknown;
}

/** A body's bytes and the content type the standard gives it when none is set. */
function extractBody(body: FetchRequestInit['body']): { bytes: Uint8Array; type?: string } | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8'), type: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) return { bytes: Buffer.from(body.toString(), 'utf8'), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
  if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body.slice(0)) };
  if (ArrayBuffer.isView(body)) return { bytes: Buffer.from(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
  throw new TypeError('unsupported BodyInit type');
}

export class FetchRequest extends BodyReading {
  readonly url: string;
  readonly method: string;
  readonly headers: FetchHeaders;
  readonly signal: AbortSignal;
  readonly redirect: 'follow' | 'error' | 'manual';
  readonly credentials: 'omit' | 'same-origin' | 'include';
  readonly #bytes: Uint8Array | undefined;

  constructor(input: string | URL | FetchRequest, init: FetchRequestInit = {}) {
    super();
    const from = input instanceof FetchRequest ? input : undefined;
    this.url = from?.url ?? new URL(String(input)).href;
    const method = init.method ?? from?.method ?? 'GET';
    if (!TOKEN.test(method)) throw new TypeError(`${JSON.stringify(method)} is not a valid HTTP method`);
    this.method = NORMALIZED_METHODS.has(method.toUpperCase()) ? method.toUpperCase() : method;
    this.headers = new FetchHeaders(init.headers ?? from?.headers);
    this.signal = init.signal ?? from?.signal ?? new AbortController().signal;
    this.redirect = init.redirect ?? from?.redirect ?? 'follow';
    this.credentials = init.credentials ?? from?.credentials ?? 'same-origin';
    const extracted = 'body' in init ? extractBody(init.body) : undefined;
    if (extracted !== undefined && (this.method === 'GET' || this.method === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.');
    if (extracted?.type !== undefined && !this.headers.has('content-type')) this.headers.set('content-type', extracted.type);
    if (from !== undefined && extracted === undefined && from.bodyUsed) throw new TypeError('Cannot construct a Request with a Request whose body is already used');
    this.#bytes = extracted?.bytes ?? (from === undefined ? undefined : from.#bytes);
  }

  get body(): FetchBody | null {
    return this.#bytes === undefined || this.bodyUsed ? null : new FetchBody(this.#bytes);
  }

  protected readBody(): Promise<Buffer> {
    return Promise.resolve(Buffer.from(this.#bytes ?? new Uint8Array(0)));
  }

  protected hasBody(): boolean {
    return this.#bytes !== undefined;
  }

  clone(): FetchRequest {
    if (this.bodyUsed) throw new TypeError('Request body is already used');
    return new FetchRequest(this);
  }
}

export interface FetchResponseInit {
  status?: number;
  statusText?: string;
  headers?: HeaderSource;
}

export class FetchResponse extends BodyReading {
  readonly status: number;
  readonly statusText: string;
  readonly headers: FetchHeaders;
  readonly body: FetchBody | null;
  readonly type = 'default';
  readonly url = '';
  readonly redirected = false;

  constructor(body: FetchBody | Uint8Array | string | null = null, init: FetchResponseInit = {}) {
    super();
    this.status = init.status ?? 200;
    if (!Number.isInteger(this.status) || this.status < 200 || this.status > 599) throw new RangeError(`status ${this.status} is outside 200–599`);
    if (body !== null && NULL_BODY_STATUSES.has(this.status)) throw new TypeError(`a ${this.status} response has no body`);
    this.statusText = init.statusText ?? '';
    this.headers = new FetchHeaders(init.headers);
    this.body = body === null ? null : body instanceof FetchBody ? body : new FetchBody(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
    if (typeof body === 'string' && !this.headers.has('content-type')) this.headers.set('content-type', 'text/plain;charset=UTF-8');
  }

  protected readBody(): Promise<Buffer> {
    if (this.body?.locked === true) return Promise.reject(new TypeError('Body has already been used'));
    return readAll(this.body);
  }

  protected hasBody(): boolean {
    return this.body !== null;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status <= 299;
  }

  /** A response here is read once, by its one reader; nothing in this code tees it. */
  clone(): never {
    throw new TypeError('FetchResponse cannot be cloned: each response is read once');
  }
}
