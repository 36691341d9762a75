/**
 * The reporter: capture() anonymizes and buffers an event in memory, a background pump sends full
 * batches (or whatever is buffered once the interval passes or flush() is called), and close()
 * sends what is left within a hard deadline. Nothing is ever written to disk: events that cannot
 * be sent are dropped and counted. Memory is bounded: past `maxBuffered` events the oldest go.
 * capture() does no I/O and never waits; all sending happens off the caller's path.
 */
import type { Anonymizer } from './anonymizer.js';
import type { ConsentSource } from './consent.js';
import { BaseUrlError, parseBaseUrl } from '../net/base-url.js';
import type { AnyEventType, EventFields, EventType, ReporterEvent } from './event-type.js';
import type { DistinctIdSource } from './identity.js';
import { clampTimerDelay } from '../time/timer.js';
import { RingBuffer } from './ring-buffer.js';
import type { RequestMeta, ServiceDescriptor } from './service.js';
import { httpTransport, type HttpRequest, type Transport } from './transport.js';

export interface BatchOptions {
  /** Sending starts once this many events are buffered (default 50). With a batch method it is also the most events per call (never above the service's own maximum). */
  size?: number;
  /** Otherwise, what is buffered is sent this long after the first unsent event arrived (default 10 s). */
  intervalMs?: number;
  /** Past this many buffered events the oldest are dropped and counted (default 1,000). */
  maxBuffered?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
}

export interface Clock {
  now(): Date;
}

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** Every line a reporter writes is at debug level: analytics never speaks up in an app's logs. */
export interface ReporterLogger {
  debug(message: string, fields?: LogFields): void;
}

export interface ReporterOptions<E extends AnyEventType> {
  service: ServiceDescriptor<E>;
  /** The collector's base URL, e.g. https://collector.example.com; the service's paths are appended. */
  endpoint: string;
  consent: ConsentSource;
  identity: DistinctIdSource;
  /** Used for the fields an event type declares 'anonymize'; capture() can pass another one per event. */
  anonymizer?: Anonymizer;
  batch?: BatchOptions;
  transport?: Transport;
  clock?: Clock;
  logger?: ReporterLogger;
  /** Starts every log line (default "analytics"). */
  label?: string;
  /** Sent as User-Agent; say the product and version, never a host. No header when absent. */
  userAgent?: string;
  /** Cap on one request, response included (default 10 s). */
  requestTimeoutMs?: number;
  /** close()'s default deadline (1 s). */
  closeDeadlineMs?: number;
}

/** The event objects a reporter of this service accepts. */
export type CaptureOf<E> = E extends EventType<infer F> ? ReporterEvent<F> : never;

export interface CaptureOptions {
  /** Anonymizes this event instead of the reporter's default (e.g. the key of another root cluster). */
  anonymizer?: Anonymizer;
}

export interface CloseOptions {
  /** How long to try to send what is left (default: the reporter's closeDeadlineMs). */
  deadlineMs?: number;
  /** Gives up at once when aborted. */
  signal?: AbortSignal;
  /** The wording of the one debug line when the deadline ends the wait. */
  deadlineReason?: string;
  /** The wording of that line when `signal` ends it. */
  signalReason?: string;
}

export interface CloseResult {
  /** True when every event was sent or settled before the deadline. */
  complete: boolean;
  /** Events given up on: still buffered or in flight at the deadline. */
  abandoned: number;
}

export interface ReporterStats {
  /** Accepted by capture(). */
  captured: number;
  /** Acknowledged by the collector. */
  sent: number;
  /** Sent, and refused or lost (any failure of the request). */
  failed: number;
  /** Failed the service's schema, so never sent. */
  rejected: number;
  /** Dropped as the oldest past maxBuffered. */
  overflowed: number;
  /** Dropped because consent was withdrawn before they were sent. */
  withheld: number;
  /** Given up on by close(). */
  abandoned: number;
  /** Not captured: after close(), an undeclared string field, or nothing to anonymize with. */
  refused: number;
  buffered: number;
  inFlight: number;
}

export type Preview = { ok: true; request: HttpRequest } | { ok: false; problem: string };

export interface Reporter<E extends AnyEventType> {
  /** Anonymizes and buffers one event; false when it was not captured (no consent, closed, or refused). */
  capture(event: CaptureOf<E>, options?: CaptureOptions): boolean;
  /** Sends everything buffered now; settles when each of those events is sent, failed or dropped. Never rejects. */
  flush(): Promise<void>;
  /** flush(), bounded by a deadline; afterwards capture() refuses everything. Never rejects. */
  close(options?: CloseOptions): Promise<CloseResult>;
  stats(): ReporterStats;
  /** The exact request one event would be sent as (single method), without sending it. */
  preview(event: CaptureOf<E>, meta?: Partial<RequestMeta>, options?: CaptureOptions): Preview;
}

export class ReporterConfigError extends Error {
  override name = 'ReporterConfigError';
}

export const DEFAULT_BATCH = { size: 50, intervalMs: 10_000, maxBuffered: 1_000, concurrency: 4 } as const;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** The collector's body limit; a batch is split until each request fits. */
export const DEFAULT_MAX_BATCH_BYTES = 64 * 1024;
export const DEFAULT_CLOSE_DEADLINE_MS = 1_000;

interface Item {
  type: AnyEventType;
  fields: Record<string, unknown>;
  distinctId: string | undefined;
  at: Date;
  seq: number;
}

type Fields = Record<string, unknown>;

/**
 * The fields as they may leave the caller: a copy, every declared sensitive field anonymized. A
 * string field the type does not declare is refused (JavaScript callers get no compile-time check).
 */
function prepareFields(type: AnyEventType, fields: Fields, anonymizer: Anonymizer | undefined): Fields | string {
  const copy: Fields = { ...fields };
  const rules = type.rules as Readonly<Record<string, string>>;
  for (const key in copy) {
    if (typeof copy[key] === 'string' && rules[key] === undefined) return `${key} is a string field the event type does not declare`;
  }
  if (type.sensitive.length > 0) {
    if (anonymizer === undefined) return 'it has fields to anonymize and no anonymizer was given';
    for (const key of type.sensitive as readonly string[]) {
      const value = copy[key];
      // An empty value means "none" (e.g. no leaf cluster) and stays empty, as the contracts say.
      if (typeof value === 'string' && value !== '') copy[key] = anonymizer.anonymize(value);
    }
  }
  return copy;
}

/** One event's single-method request body, or why its schema refuses it. */
export function renderSingle<F extends EventFields<F>>(service: ServiceDescriptor, meta: RequestMeta, type: EventType<F>, fields: F): { body: unknown } | { problem: string } {
  const body = service.single.request(meta, type.toWire(fields));
  const problem = service.single.check(body);
  return problem === undefined ? { body } : { problem: `${type.name} failed its schema: ${problem}` };
}

export function createReporter<E extends AnyEventType>(options: ReporterOptions<E>): Reporter<E> {
  const { service, consent, identity } = options;
  let base: string;
  try {
    base = parseBaseUrl(options.endpoint);
  } catch (error) {
    if (error instanceof BaseUrlError) throw new ReporterConfigError(`endpoint ${JSON.stringify(options.endpoint)}: ${error.message}`);
    throw error;
  }
  const batch = { ...DEFAULT_BATCH, ...options.batch };
  for (const [name, value] of Object.entries(batch)) {
    if (!(Number.isInteger(value) && value >= 1)) throw new ReporterConfigError(`batch.${name}: ${value}; expected a whole number ≥ 1`);
  }
  const perRequest = service.batch === undefined ? 1 : Math.min(batch.size, service.batch.max);
  const transport = options.transport ?? httpTransport;
  const clock = options.clock ?? { now: () => new Date() };
  const logger = options.logger ?? { debug: () => undefined };
  const label = options.label ?? 'analytics';
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const headers: Readonly<Record<string, string>> = Object.freeze({
    'content-type': 'application/json',
    'connect-protocol-version': '1',
    accept: 'application/json',
    ...(options.userAgent === undefined ? {} : { 'user-agent': options.userAgent }),
  });
  const toRequest = (path: string, body: unknown): HttpRequest => ({ method: 'POST', url: `${base}${path}`, headers, body: JSON.stringify(body) });
  const maxBatchBytes = service.batch?.maxBytes ?? DEFAULT_MAX_BATCH_BYTES;

  const buffer = new RingBuffer<Item>(batch.maxBuffered);
  const inFlight = new Set<{ minSeq: number; events: number }>();
  const waiters: { mark: number; resolve: () => void }[] = [];
  const stats = { captured: 0, sent: 0, failed: 0, rejected: 0, overflowed: 0, withheld: 0, abandoned: 0, refused: 0 };
  // Aborts every request in flight once close() gives up.
  const giveUp = new AbortController();
  let lastSeq = 0;
  /** Events up to this sequence number are sent even if they do not fill a batch. */
  let flushMark = 0;
  let timer: NodeJS.Timeout | undefined;
  let pumpScheduled = false;
  let overflowLogged = false;
  let closed = false;
  let closing: Promise<CloseResult> | undefined;

  const lowestUnsettled = (): number => {
    let lowest = buffer.peek()?.seq ?? Number.POSITIVE_INFINITY;
    for (const request of inFlight) lowest = Math.min(lowest, request.minSeq);
    return lowest;
  };
  const settleWaiters = (): void => {
    const lowest = lowestUnsettled();
    for (let index = waiters.length - 1; index >= 0; index -= 1) {
      if (waiters[index]!.mark < lowest) waiters.splice(index, 1)[0]!.resolve();
    }
  };
  const settled = (mark: number): Promise<void> =>
    new Promise((resolve) => {
      waiters.push({ mark, resolve });
      settleWaiters();
    });

  const dropBuffered = (why: string): void => {
    const dropped = buffer.take(buffer.size).length;
    if (dropped === 0) return;
    stats.withheld += dropped;
    logger.debug(`${label}: ${dropped} events dropped: ${why}`);
  };

  /** Resolves ids, renders and checks each event; returns the requests to send and how many events each carries. */
  async function render(chunk: Item[]): Promise<{ request: HttpRequest; events: number }[]> {
    const needsShared = chunk.some((item) => item.distinctId === undefined);
    const shared = needsShared ? await identity.resolve() : undefined;
    const bodies: unknown[] = [];
    for (const item of chunk) {
      const rendered = renderSingle(service, { distinctId: item.distinctId ?? shared!, timestamp: item.at.toISOString() }, item.type, item.fields);
      if ('problem' in rendered) {
        stats.rejected += 1;
        logger.debug(`${label} not sent: ${rendered.problem}`);
      } else {
        bodies.push(rendered.body);
      }
    }
    if (bodies.length === 0) return [];
    const batchMethod = service.batch;
    if (batchMethod === undefined) return bodies.map((body) => ({ request: toRequest(service.single.path, body), events: 1 }));
    const pack = (part: unknown[]): { request: HttpRequest; events: number }[] => {
      const body = batchMethod.request(part);
      const problem = batchMethod.check(body);
      if (problem !== undefined) {
        stats.rejected += part.length;
        logger.debug(`${label} not sent: the batch of ${part.length} failed its schema: ${problem}`);
        return [];
      }
      const request = toRequest(batchMethod.path, body);
      // Halving until each request fits: only oversized batches pay for a second stringify.
      if (part.length > 1 && Buffer.byteLength(request.body) > maxBatchBytes) {
        const half = Math.ceil(part.length / 2);
        return [...pack(part.slice(0, half)), ...pack(part.slice(half))];
      }
      return [{ request, events: part.length }];
    };
    return pack(bodies);
  }

  async function dispatch(chunk: Item[]): Promise<void> {
    const entry = { minSeq: chunk[0]!.seq, events: chunk.length };
    inFlight.add(entry);
    try {
      const requests = await render(chunk);
      for (const { request, events } of requests) {
        // Consent can be withdrawn while a batch waits its turn; it is checked at the last moment.
        if (consent.state() !== 'granted') {
          stats.withheld += events;
          logger.debug(`${label}: ${events} events dropped: consent withdrawn before sending`);
          continue;
        }
        const outcome = await transport(request, { timeoutMs, signal: giveUp.signal });
        // Once close() has given up, its one line speaks for these events.
        if (giveUp.signal.aborted) continue;
        if (outcome.ok) {
          stats.sent += events;
          logger.debug(`${label} sent`, { status: outcome.status, events });
        } else {
          stats.failed += events;
          logger.debug(`${label} not delivered`, { reason: outcome.reason, detail: outcome.detail, events });
        }
      }
    } catch (error) {
      // render() throws only when a persisted id cannot be created (disk full, permissions).
      stats.failed += chunk.length;
      logger.debug(`${label} not sent: ${(error as Error).message}`, { events: chunk.length });
    } finally {
      inFlight.delete(entry);
      pump();
    }
  }

  function pump(): void {
    pumpScheduled = false;
    if (buffer.size > 0 && consent.state() !== 'granted') dropBuffered('consent withdrawn');
    while (!giveUp.signal.aborted && inFlight.size < batch.concurrency && buffer.size > 0 && buffer.peek()!.seq <= flushMark) {
      overflowLogged = false;
      void dispatch(buffer.take(perRequest));
    }
    settleWaiters();
  }

  const schedulePump = (): void => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    // Off the caller's path: capture() returns before any rendering or I/O starts.
    setImmediate(pump);
  };

  const armTimer = (): void => {
    timer = setTimeout(() => {
      timer = undefined;
      flushMark = lastSeq;
      pump();
      // Clamped: an interval past setTimeout's limit would otherwise fire after 1 ms, every time.
    }, clampTimerDelay(batch.intervalMs));
    // A buffered event must never keep the app alive; apps call close() on the way out.
    timer.unref();
  };

  return {
    capture(event, captureOptions) {
      if (consent.state() !== 'granted') return false;
      const type = event.type as AnyEventType;
      if (closed) {
        stats.refused += 1;
        return false;
      }
      const fields = prepareFields(type, event.fields as Fields, captureOptions?.anonymizer ?? options.anonymizer);
      if (typeof fields === 'string') {
        stats.refused += 1;
        logger.debug(`${label} not captured: ${type.name}: ${fields}`);
        return false;
      }
      lastSeq += 1;
      stats.captured += 1;
      if (buffer.push({ type, fields, distinctId: identity.forEvent(), at: clock.now(), seq: lastSeq }) !== undefined) {
        stats.overflowed += 1;
        if (!overflowLogged) {
          overflowLogged = true;
          logger.debug(`${label}: more than ${batch.maxBuffered} events buffered; dropping the oldest`);
        }
      }
      if (buffer.size >= batch.size) {
        flushMark = lastSeq;
        schedulePump();
      } else if (timer === undefined) {
        armTimer();
      }
      return true;
    },

    flush() {
      flushMark = lastSeq;
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      const done = settled(lastSeq);
      pump();
      return done;
    },

    close(closeOptions = {}) {
      closing ??= (async () => {
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
        const deadlineMs = closeOptions.deadlineMs ?? options.closeDeadlineMs ?? DEFAULT_CLOSE_DEADLINE_MS;
        flushMark = lastSeq;
        const done = settled(lastSeq);
        pump();
        // Everything the wait sets up is torn down by `cleanup`, so no timer or listener outlives it.
        const cleanup = new AbortController();
        const ended = await Promise.race([
          done.then(() => 'complete' as const),
          new Promise<'deadline'>((resolve) => {
            const deadline = setTimeout(() => resolve('deadline'), clampTimerDelay(deadlineMs));
            cleanup.signal.addEventListener('abort', () => clearTimeout(deadline), { once: true });
          }),
          new Promise<'signal'>((resolve) => {
            if (closeOptions.signal?.aborted === true) resolve('signal');
            closeOptions.signal?.addEventListener('abort', () => resolve('signal'), { once: true, signal: cleanup.signal });
          }),
        ]);
        cleanup.abort();
        if (ended === 'complete') return { complete: true, abandoned: 0 };
        let abandoned = buffer.take(buffer.size).length;
        for (const request of inFlight) abandoned += request.events;
        giveUp.abort();
        stats.abandoned += abandoned;
        if (abandoned > 0) {
          const why = ended === 'signal' ? (closeOptions.signalReason ?? 'stopped') : (closeOptions.deadlineReason ?? `not finished within the ${deadlineMs} ms close deadline`);
          logger.debug(`${label} abandoned: ${why}`, { events: abandoned });
        }
        return { complete: abandoned === 0, abandoned };
      })();
      return closing;
    },

    stats() {
      let events = 0;
      for (const request of inFlight) events += request.events;
      return { ...stats, buffered: buffer.size, inFlight: events };
    },

    preview(event, meta = {}, captureOptions) {
      const type = event.type as AnyEventType;
      const fields = prepareFields(type, event.fields as Fields, captureOptions?.anonymizer ?? options.anonymizer);
      if (typeof fields === 'string') return { ok: false, problem: `${type.name}: ${fields}` };
      const distinctId = meta.distinctId ?? identity.forEvent();
      if (distinctId === undefined) return { ok: false, problem: 'the persisted distinct id is created on the first send; pass meta.distinctId' };
      const rendered = renderSingle(service, { distinctId, timestamp: meta.timestamp ?? clock.now().toISOString() }, type, fields);
      return 'problem' in rendered ? { ok: false, problem: rendered.problem } : { ok: true, request: toRequest(service.single.path, rendered.body) };
    },
  };
}
