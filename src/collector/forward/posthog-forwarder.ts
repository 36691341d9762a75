/**
 * Forwards stored events to PostHog's batch API. It reads them from a source (forward-source.ts:
 * the local segments, or the fleet's shared table), which moves past lines only after PostHog has
 * accepted a batch, or after an event it will never accept has been parked in the dead-letter
 * file, so an outage or a restart loses nothing.
 *
 * Pacing, which is the point of most of this module:
 * - Healthy, a request goes when a full batch is waiting or LINGER_MS after the oldest unsent
 *   event was seen, whichever is first, so a steady trickle becomes a few requests a second.
 * - After a failed request the next one waits the backoff (0.5 s doubling to 60 s), or longer when
 *   the answer carried Retry-After (at most RETRY_AFTER_MAX_MS). New events never cut that wait
 *   short: they only end the idle wait of a forwarder that has caught up.
 * - A 413, or an answer that blames the request itself (a "poison" batch), halves the batch at
 *   once; a batch of one that is still refused is parked in the dead-letter file, the backoff is
 *   waited, and forwarding carries on. After each accepted batch the size doubles back towards
 *   MAX_BATCH.
 *
 * Every response body is released: a 2xx is cancelled at once (the status says it all), any
 * other is read up to a few KiB for the log; the whole exchange is bounded by requestTimeoutMs.
 */
import ky from 'ky';
import type { Logger } from '../../log/logger.js';
import { discardBody, readBodyBounded } from '../../net/bounded-body.js';
import { nodeHttpFetch } from '../../net/node-http-fetch.js';
import { retryAfterMs } from '../../net/retry-after.js';
import { backoffDelayMs } from '../../time/backoff.js';
import { sleep } from '../../time/sleep.js';
import { clampTimerDelay, monotonicMs } from '../../time/timer.js';
import { parkDeadLetter, type DeadLetterReason } from '../store/dead-letter.js';
import { checkStoredRecord } from '../store/record-check.js';
import type { ForwardSource, SourceLine } from './forward-source.js';
import { toPostHogEvent, type PostHogEvent } from './posthog-event.js';
import { SegmentSource } from './segment-source.js';
/** Far under PostHog's 20 MB batch limit; an event is about 500 bytes. */
export const MAX_BATCH = 500;
export const LINGER_MS = 250;
export const RETRY_BACKOFF = { firstMs: 500, maxMs: 60_000 };
/** A Retry-After is honoured up to this; a larger one (or a date far ahead) is not taken at its word. */
export const RETRY_AFTER_MAX_MS = 5 * 60_000;
const CLOSE_GRACE_MS = 1_000;
/** Enough of an error answer to say why in the log. */
const DETAIL_BYTES = 4 * 1024;
/**
 * 4xx answers that are about the configuration (key, host, proxy), not the events: parking events
 * for them would empty the whole backlog into the dead-letter file, so they are retried instead.
 */
const CONFIG_STATUSES = new Set([401, 403, 404, 407]);
/** 4xx answers that say "later" or "smaller", not "never". */
const TRANSIENT_STATUSES = new Set([408, 429]);

export interface ForwarderOptions {
  /** Where the dead-letter file goes, and (without `source`) the segments to forward. */
  dataDir: string;
  /** The lines to forward; the segments of dataDir when absent. */
  source?: ForwardSource;
  /** Base URL (checked by parseBaseUrl); batches go to `${host}/batch/`. */
  host: string;
  apiKey: string;
  logger: Logger;
  /** How often to look for new events when caught up. */
  pollMs?: number;
  /** Bound on one whole exchange: connect, send, answer and the body read. */
  requestTimeoutMs?: number;
  now?: () => Date;
  onForwarded?: (count: number) => void;
  onDeadLettered?: (reason: DeadLetterReason) => void;
}

interface Item {
  from: SourceLine;
  /** Undefined when the line is not a usable record; `problem` says why. */
  event?: PostHogEvent;
  problem?: string;
}

type Outcome =
  | { kind: 'ok' }
  /** PostHog will not take this batch as it is (413, or a 4xx that blames the request). */
  | { kind: 'refused'; detail: string }
  /** Try the same batch again later. */
  | { kind: 'retry'; detail: string; retryAfterMs?: number; config?: boolean };

/** What wakes a wait early besides close(): any new event, enough for a full batch, or nothing. */
type WakeOn = 'any-event' | 'full-batch' | 'nothing';

/** What a turn asks the loop to wait for before the next one (after the source let go of its read). */
interface Pause {
  ms: number;
  wakeOn: WakeOn;
}

/** Uuids sent lately, remembered to skip a retried request's second line (bounded; insertion order). */
const RECENT_UUIDS = 65_536;

export class PostHogForwarder {
  private readonly recentlySent = new Set<string>();
  private readonly source: ForwardSource;
  private readonly url: string;
  private batchSize = MAX_BATCH;
  /** Consecutive requests that did not succeed; sets the backoff. */
  private failures = 0;
  /** When the current partial batch stops waiting for company. */
  private lingerUntil: number | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private waiting: { wakeOn: WakeOn; wake: () => void } | undefined;
  private inFlight: AbortController | undefined;
  /** Stored events not yet accepted by PostHog or parked (the forward queue depth). */
  pending = 0;

  constructor(private readonly options: ForwarderOptions) {
    this.source = options.source ?? new SegmentSource(options.dataDir, options.logger);
    this.url = `${options.host.replace(/\/+$/, '')}/batch/`;
  }

  async start(): Promise<void> {
    this.pending = await this.source.open();
    this.running = this.loop();
  }

  /** New events were stored. Ends an idle wait (or a linger, once a full batch is waiting); never a backoff. */
  notify(count = 1): void {
    this.pending += count;
    const waiting = this.waiting;
    if (waiting === undefined) return;
    if (waiting.wakeOn === 'any-event' || (waiting.wakeOn === 'full-batch' && this.pending >= this.batchSize)) waiting.wake();
  }

  /**
   * Stops after the exchange in flight, if any, given CLOSE_GRACE_MS to finish: a batch PostHog
   * has taken but whose answer was cut off would be sent again after a restart.
   */
  async close(): Promise<void> {
    this.stopped = true;
    this.waiting?.wake();
    const grace = setTimeout(() => this.inFlight?.abort(), CLOSE_GRACE_MS);
    await this.running;
    clearTimeout(grace);
    await this.source.close();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let pause: Pause | undefined;
      try {
        pause = await this.turn();
      } catch (error) {
        // Reading the store or saving the cursor failed (a full disk, a lost database
        // connection). Nothing moved, so nothing is lost; try again on the backoff schedule.
        const waitMs = this.failed();
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        this.options.logger.error('forwarder could not read the store or save its cursor; will retry', { error: code, retry_in_ms: waitMs });
        pause = { ms: waitMs, wakeOn: 'nothing' };
      }
      // Let go of what was read before any wait: the shared table's rows stay locked until then.
      await this.source.release();
      if (pause !== undefined) await this.wait(pause.ms, pause.wakeOn);
    }
  }

  /** One step: wait for events, wait for company, post a batch, or park a line. */
  private async turn(): Promise<Pause | undefined> {
    const items = await this.readItems(this.batchSize);
    if (items.length === 0) {
      this.pending = 0;
      this.lingerUntil = undefined;
      return { ms: this.options.pollMs ?? 1_000, wakeOn: 'any-event' };
    }
    // Lines nobody announces (the shared table, filled by every instance's shipper): count what is seen.
    if (!this.source.announced) this.pending = Math.max(this.pending, items.length);
    const head = items[0]!;
    if (head.event === undefined) {
      // Parked one at a time as it reaches the head, so a failed post never parks it twice.
      await this.park(head, 'invalid', head.problem ?? 'unreadable');
      return undefined;
    }
    // The batch stops short of the next unusable line, which is parked when it reaches the head.
    const firstUnusable = items.findIndex((item) => item.event === undefined);
    const batch = firstUnusable < 0 ? items : items.slice(0, firstUnusable);
    // Linger only when healthy: not while backing off, nor while narrowing down a refused batch.
    if (this.failures === 0 && this.batchSize === MAX_BATCH && batch.length < this.batchSize) {
      // Monotonic: a wall clock set back a day must not turn a 250 ms linger into a day's wait.
      const now = monotonicMs();
      this.lingerUntil ??= now + LINGER_MS;
      if (now < this.lingerUntil) return { ms: this.lingerUntil - now, wakeOn: 'full-batch' };
    }
    this.lingerUntil = undefined;
    // A retried request is stored again under the same uuid: PostHog would drop it, but it need
    // not be sent at all when it was sent lately (or sits earlier in this very batch).
    const fresh = new Set<string>();
    const events = batch.map((item) => item.event!).filter((event) => !this.recentlySent.has(event.uuid) && !fresh.has(event.uuid) && fresh.add(event.uuid));
    const outcome = events.length === 0 ? ({ kind: 'ok' } as const) : await this.post(events);
    if (outcome.kind === 'ok') {
      this.failures = 0;
      this.batchSize = Math.min(MAX_BATCH, this.batchSize * 2);
      for (const uuid of fresh) {
        this.recentlySent.add(uuid);
        if (this.recentlySent.size > RECENT_UUIDS) this.recentlySent.delete(this.recentlySent.values().next().value as string);
      }
      await this.advance(batch);
      this.options.onForwarded?.(events.length);
      return undefined;
    }
    if (this.stopped) return undefined;
    if (outcome.kind === 'refused' && batch.length > 1) {
      // Bisecting is a few quick questions (about log2 of the batch), so it does not back off;
      // parking an event does, so a PostHog that refuses everything is asked at the backoff pace.
      this.batchSize = Math.ceil(batch.length / 2);
      this.options.logger.warn('PostHog refused a batch; halving it to find the event it objects to', { detail: outcome.detail, batch_size: this.batchSize });
      return undefined;
    }
    let waitMs = this.failed();
    if (outcome.kind === 'refused') {
      await this.park(head, 'rejected', outcome.detail);
      this.batchSize = MAX_BATCH;
    } else {
      if (outcome.retryAfterMs !== undefined) waitMs = Math.max(waitMs, Math.min(outcome.retryAfterMs, RETRY_AFTER_MAX_MS));
      const fields = { attempt: this.failures, retry_in_ms: waitMs, reason: outcome.detail };
      if (outcome.config === true) this.options.logger.error('PostHog refused the request; check --posthog-host and --posthog-api-key; will retry', fields);
      else this.options.logger.warn('PostHog forward failed; will retry', fields);
    }
    return { ms: waitMs, wakeOn: 'nothing' };
  }

  /** Counts a failed attempt and returns the backoff before the next request. */
  private failed(): number {
    this.failures += 1;
    return backoffDelayMs(this.failures, RETRY_BACKOFF);
  }

  private async advance(items: Item[]): Promise<void> {
    await this.source.done(items.map((item) => item.from));
    this.pending = Math.max(0, this.pending - items.length);
  }

  private async park(item: Item, reason: DeadLetterReason, detail: string): Promise<void> {
    const now = this.options.now?.() ?? new Date();
    await parkDeadLetter(this.options.dataDir, { parked_at: now.toISOString(), reason, detail, ...item.from.origin, line: item.from.line });
    this.options.logger.warn('parked an event in the dead-letter file', { reason, detail, ...item.from.origin });
    this.options.onDeadLettered?.(reason);
    await this.advance([item]);
  }

  /**
   * Waits up to `ms`. close() always ends it; new events end it as `wakeOn` says. The wait owns
   * its own short-lived signal, so nothing is left on a long-lived one when it ends early.
   */
  private async wait(ms: number, wakeOn: WakeOn): Promise<void> {
    if (this.stopped) return;
    const early = new AbortController();
    this.waiting = { wakeOn, wake: () => early.abort() };
    try {
      await sleep(ms, early.signal);
    } finally {
      this.waiting = undefined;
    }
  }

  /**
   * Each line, whatever its source, is checked again as a record of its family (record-check.ts)
   * before it is mapped: a line that fails is never sent, and is parked with the reason when it
   * reaches the head.
   */
  private async readItems(limit: number): Promise<Item[]> {
    return (await this.source.read(limit)).map((from) => {
      try {
        const checked = checkStoredRecord(JSON.parse(from.line));
        if (!checked.ok) return { from, problem: checked.reason };
        return { from, event: toPostHogEvent(checked.record) };
      } catch (error) {
        return { from, problem: error instanceof SyntaxError ? 'not JSON' : (error as Error).message };
      }
    });
  }

  private async post(events: PostHogEvent[]): Promise<Outcome> {
    const exchange = new AbortController();
    this.inFlight = exchange;
    const timer = setTimeout(() => exchange.abort(), clampTimerDelay(this.options.requestTimeoutMs ?? 10_000));
    try {
      const response = await ky.post(this.url, {
        json: { api_key: this.options.apiKey, batch: events },
        retry: 0,
        timeout: false,
        throwHttpErrors: false,
        fetch: nodeHttpFetch,
        signal: exchange.signal,
      });
      if (response.ok) {
        await discardBody(response);
        return { kind: 'ok' };
      }
      const body = await readBodyBounded(response, DETAIL_BYTES).catch(() => ({ text: '' }));
      return classify(response.status, body.text, retryAfterMs(response.headers.get('retry-after'), this.options.now?.() ?? new Date()));
    } catch (error) {
      if (exchange.signal.aborted) return { kind: 'retry', detail: this.stopped ? 'stopped' : 'timeout' };
      return { kind: 'retry', detail: (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name };
    } finally {
      clearTimeout(timer);
      this.inFlight = undefined;
    }
  }
}

/** Sorts a non-2xx answer into refused (halve, then park) or retry (same batch, after a wait). */
export function classify(status: number, body: string, retryAfter: number | undefined): Outcome {
  const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const detail = `HTTP ${status}${snippet === '' ? '' : `: ${snippet}`}`;
  const later = retryAfter === undefined ? {} : { retryAfterMs: retryAfter };
  if (status === 413) return { kind: 'refused', detail };
  if (status >= 400 && status < 500 && !TRANSIENT_STATUSES.has(status)) {
    return CONFIG_STATUSES.has(status) ? { kind: 'retry', detail, config: true, ...later } : { kind: 'refused', detail };
  }
  return { kind: 'retry', detail, ...later };
}
