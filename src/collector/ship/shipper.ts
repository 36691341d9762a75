/**
 * The shipper: moves the local segments (each collector's outbox) into the shared PostgreSQL store,
 * behind ingest. Ingest answers once an event is in the local segment; the shipper reads from its
 * own persisted cursor, inserts a bounded batch in one transaction (exactly once by uuid: see
 * postgres-store.ts), and saves the cursor only after the COMMIT. A crash between the two replays
 * the batch, which then adds nothing.
 *
 * What ingest has just written is handed to the shipper as it is written (remember()), and a batch
 * that memory holds right after the cursor is made from those bytes without reading them back or
 * checking them again (this process checked them before writing them). Everything else (a
 * backlog after a restart, what memory had no room for) is read from the segments and checked line
 * by line: nothing read from a file leaves unchecked. Either way the cursor and the exactly-once
 * rules below are the same.
 *
 * While PostgreSQL is down (or refuses), ingest goes on, the outbox grows, and the shipper retries
 * on a capped backoff; new events never cut a backoff short. The log gets one line per change of
 * state (shipping, unreachable, a refusal by its error code), never one per retry; the gauges say
 * how far behind it is.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../log/logger.js';
import { backoffDelayMs, type BackoffPolicy } from '../../time/backoff.js';
import { sleep } from '../../time/sleep.js';
import { parkDeadLetter, type DeadLetterReason } from '../store/dead-letter.js';
import type { MigrationResult } from '../store/postgres/migrations.js';
import { eventBatch, type EventBatch } from '../store/postgres/postgres-store.js';
import { compareCursors, listSegments, SegmentReader, type Cursor, type LineAt } from '../store/segments.js';
import { loadShipCursor, saveShipCursor } from './ship-cursor.js';
import { outboxRow, writtenRows } from './outbox-row.js';
import { WrittenMemory } from './written-memory.js';

/** Bounds of one batch: a transaction of about a megabyte at most commits in milliseconds. */
export const SHIP_BATCH = { lines: 2_000, bytes: 4 * 1024 * 1024 };
/** PostgreSQL is near by: retry soon, and never wait more than 10 s once it is back. */
export const SHIP_BACKOFF: BackoffPolicy = { firstMs: 250, maxMs: 10_000 };
const IDLE_POLL_MS = 1_000;
/**
 * After a batch that was not full, events are let gather this long before the next one. Every
 * batch costs the same whatever its size (a transaction and its WAL flush, the cursor's atomic
 * replace with two fsyncs, a directory listing), and those syncs share the disk with ingest's
 * durable writes: shipping each trickle of events at once made the shipper's cost per event grow
 * as ingest got busier. A full batch goes on at once; the lag stays well under its 2 s goal.
 */
export const SHIP_GATHER_MS = 200;

/** What the shipper needs of the shared store (PostgresStore in production). */
export interface ShipTarget {
  /** host:port/database: recorded with the cursor. */
  identity: string;
  /** The URL with its password hidden, for the log. */
  shown: string;
  migrate(): Promise<MigrationResult>;
  insert(batch: EventBatch): Promise<number>;
  /** One round trip, to know it answers. */
  ping(): Promise<void>;
}

export interface ShipperOptions {
  dataDir: string;
  target: ShipTarget;
  logger: Logger;
  now: () => Date;
  batch?: { lines: number; bytes: number };
  backoff?: BackoffPolicy;
  pollMs?: number;
  /** How long to let events gather after a batch that was not full (SHIP_GATHER_MS). */
  gatherMs?: number;
  onDeadLettered?: (reason: DeadLetterReason) => void;
  /** Called when the state (outboxState) may have changed: after a batch, on catching up, on a failure. */
  onStateChange?: () => void;
  /** Read the outbox with blocking calls: true on a thread of its own (the ship worker), where nothing else waits. */
  blockingReads?: boolean;
  /** The bound of what was just written, held to be shipped from memory (WRITTEN_MEMORY_BYTES). */
  memoryBytes?: number;
}

/** What /metrics shows of the outbox. */
export interface OutboxGauges {
  backlogEvents: number;
  backlogBytes: number;
  shipped: number;
  /** Of those, the events shipped from memory (what ingest had just written), not read back from the disk. */
  shippedFromMemory: number;
  /** Seconds since the oldest event not yet in PostgreSQL was received; 0 when caught up. */
  lagSeconds: number;
  postgresUp: boolean;
}

/**
 * The shipper's own counts, from which the gauges are read at any later instant (the lag grows
 * while nothing moves): what a shipper in a worker thread posts to the thread serving /metrics.
 */
export interface OutboxState {
  backlogEvents: number;
  backlogBytes: number;
  shipped: number;
  shippedFromMemory: number;
  /** When the oldest event not yet shipped was received (ms since the epoch), if any is known. */
  oldestPendingMs: number | undefined;
  postgresUp: boolean;
  /**
   * The mark of the last notice (see Shipper.notify) whose lines backlogEvents already holds (or
   * has shipped): the notifier adds what it noticed after that mark, so its figure is never below
   * what is acknowledged and not yet shipped.
   */
  noticesCounted: number;
}

/** The gauges at `nowMs`; `noticed`, the notifier's last mark, adds the events noticed and not yet counted. */
export function outboxGauges(state: OutboxState, nowMs: number, noticed = state.noticesCounted): OutboxGauges {
  const { oldestPendingMs, noticesCounted, backlogEvents, ...counts } = state;
  return {
    ...counts,
    backlogEvents: backlogEvents + Math.max(0, noticed - noticesCounted),
    lagSeconds: oldestPendingMs === undefined ? 0 : Math.max(0, (nowMs - oldestPendingMs) / 1000),
  };
}

/** A batch read from the outbox (or taken from memory) and checked, not yet shipped. */
interface PreparedBatch {
  /** The cursor after each of its lines, in order. */
  ends: Cursor[];
  /** The lines that are records, as the insert takes them. */
  rows: EventBatch;
  /** The lines that are not: parked once the batch is committed. */
  rejected: { item: LineAt; reason: string }[];
  /** When its first line was received (ms since the epoch), when that can be read. */
  firstReceivedMs: number | undefined;
  /** Whether a bound (lines or bytes) cut it: more may be waiting right behind it. */
  full: boolean;
  /** Taken from memory, not read from the disk. */
  fromMemory: boolean;
}

/** The shipper's state, as far as the log is concerned: a new key is one log line. */
type StateKey = 'shipping' | 'unreachable' | 'schema-too-new' | `refused:${string}`;

export class Shipper {
  private cursor: Cursor = { segment: '', offset: 0 };
  private readonly reader: SegmentReader;
  /** What ingest has just written, to be shipped without reading it back (written-memory.ts). */
  private readonly memory: WrittenMemory;
  private stopped = false;
  private running: Promise<void> | undefined;
  private waking: (() => void) | undefined;
  private waitingIdle = false;
  private failures = 0;
  private migrated = false;
  private state: StateKey | undefined;
  /** Lines after the cursor up to countedUpTo; undefined until first counted (at the start of the loop, not before ingest starts). */
  private backlogEvents: number | undefined;
  /**
   * How far the backlog has been counted. New lines are counted by reading what lies past it (a
   * notice of new events only says when to look), so a line is counted once whether or not the
   * first count saw it, and however late its notice comes (from another thread, say).
   */
  private countedUpTo: Cursor | undefined;
  /** The count of new lines under way, if any, and whether another is wanted after it. */
  private tailCount: Promise<void> | undefined;
  private tailAgain = false;
  /** The latest notice's mark, and the mark the count has caught up with (OutboxState.noticesCounted). */
  private noticeMark = 0;
  private countedMark = 0;
  private backlogBytes = 0;
  private shipped = 0;
  private shippedFromMemory = 0;
  /** When the oldest event not yet shipped was received (ms since the epoch), if any is known. */
  private oldestPendingMs: number | undefined;
  private up = false;
  /** The next batch, read while the previous one was being inserted. */
  private ahead: { from: Cursor; batch: Promise<PreparedBatch> } | undefined;

  constructor(private readonly options: ShipperOptions) {
    this.reader = new SegmentReader(options.dataDir, { blocking: options.blockingReads === true });
    this.memory = new WrittenMemory(options.memoryBytes);
  }

  /**
   * Ingest wrote `bytes` at `offset` of `segment` (SegmentStore's onWritten, in the order written):
   * held so that they can be shipped without being read back. Only bytes this process checked and
   * wrote itself may come here, never bytes read from a file: they are not checked again.
   */
  remember(segment: string, offset: number, bytes: Uint8Array): void {
    this.memory.add(segment, offset, bytes);
  }

  /** Some writes were not passed to remember(): what memory holds no longer follows on; the disk is read instead. */
  forgetWritten(): void {
    this.memory.forget();
  }

  /** Starts the loop; returns at once (the backlog is counted in the background). */
  start(): void {
    this.running = this.loop();
  }

  /**
   * New events were stored: they are counted into the backlog, and end an idle wait (never a
   * backoff). `mark` grows with every notice (the notifier's running total of events): once a
   * count that began after this notice is done, its lines are in the backlog.
   */
  notify(mark = this.noticeMark + 1): void {
    this.noticeMark = Math.max(this.noticeMark, mark);
    this.countTail();
    if (this.waitingIdle) this.waking?.();
  }

  /** Counts the lines past countedUpTo into the backlog, one count at a time. */
  private countTail(): void {
    if (this.countedUpTo === undefined || this.stopped) return;
    if (this.tailCount !== undefined) {
      this.tailAgain = true;
      return;
    }
    this.tailCount = (async () => {
      do {
        this.tailAgain = false;
        const from = this.countedUpTo!;
        const mark = this.noticeMark;
        // Memory holds every line noticed so far when it holds what follows `from` (written before noticed).
        const { count, end } = this.memory.countLines(from) ?? (await this.reader.countLinesFrom(from));
        // Shipping moved past `from` meanwhile (it ships lines whether counted or not): count again from there.
        if (compareCursors(this.countedUpTo!, from) !== 0) this.tailAgain = true;
        else {
          this.backlogEvents = (this.backlogEvents ?? 0) + count;
          this.countedUpTo = end;
          this.countedMark = Math.max(this.countedMark, mark);
        }
      } while (this.tailAgain && !this.stopped);
    })()
      // A failed read leaves the count where it was; the next notice tries again.
      .catch(() => undefined)
      .finally(() => {
        this.tailCount = undefined;
        this.options.onStateChange?.();
      });
  }

  outboxState(): OutboxState {
    return {
      backlogEvents: this.backlogEvents ?? 0,
      backlogBytes: this.backlogBytes,
      shipped: this.shipped,
      shippedFromMemory: this.shippedFromMemory,
      oldestPendingMs: this.oldestPendingMs,
      postgresUp: this.up,
      noticesCounted: this.countedMark,
    };
  }

  gauges(): OutboxGauges {
    return outboxGauges(this.outboxState(), this.options.now().getTime());
  }

  /** Stops after the batch in flight (bounded by the pool's statement timeout). */
  async close(): Promise<void> {
    this.stopped = true;
    this.waking?.();
    await this.running;
    await this.tailCount;
  }

  private async loop(): Promise<void> {
    const { logger, dataDir, target } = this.options;
    const loaded = await loadShipCursor(dataDir, target.identity);
    this.cursor = loaded.cursor;
    if (loaded.found === 'other-store') logger.warn('the ship cursor was for another PostgreSQL store; shipping the outbox from its oldest segment (uuids keep it exactly once)');
    if (loaded.found === 'unreadable') logger.warn('the ship cursor is unreadable; shipping the outbox from its oldest segment (uuids keep it exactly once)');
    while (!this.stopped) {
      try {
        await this.turn();
      } catch (error) {
        const unreachable = (error as { unreachable?: unknown }).unreachable;
        // A refusal is an answer: the server is up. A local failure (reading the outbox) says nothing either way.
        if (typeof unreachable === 'boolean') this.up = !unreachable;
        this.enterFailure(error);
        this.failures += 1;
        this.options.onStateChange?.();
        await this.wait(backoffDelayMs(this.failures, this.options.backoff ?? SHIP_BACKOFF), false);
      }
    }
  }

  /** One step: migrate if not yet done, then ship one batch, or wait for events. */
  private async turn(): Promise<void> {
    if (this.backlogEvents === undefined) {
      const mark = this.noticeMark;
      const { count, end } = await this.reader.countLinesFrom(this.cursor);
      this.backlogEvents = count;
      this.countedUpTo = end;
      this.countedMark = Math.max(this.countedMark, mark);
      // Lines written while this count read, whose notices came before it was done, are counted now.
      this.countTail();
    }
    await this.refreshBacklogBytes();
    // Noticed before this read began: if it finds nothing, those lines are all shipped.
    const markBeforeRead = this.noticeMark;
    const { ends, rows, rejected, firstReceivedMs, full, fromMemory } = await this.nextBatch();
    // Known before PostgreSQL is asked anything, so the lag grows while it is down.
    this.oldestPendingMs = firstReceivedMs;
    if (!this.migrated) {
      await this.options.target.migrate();
      this.migrated = true;
    }
    if (ends.length === 0) {
      // Caught up: still ask PostgreSQL, so that postgres_up and the log tell the truth while idle.
      await this.options.target.ping();
      this.caughtUp(markBeforeRead);
      // A notice that came while this turn looked (too late to wake a wait) is for lines the next turn finds.
      if (this.noticeMark === markBeforeRead) await this.wait(this.options.pollMs ?? IDLE_POLL_MS, true);
      return;
    }
    const waiting = this.backlogEvents;
    const end = ends.at(-1)!;
    const inserting = this.options.target.insert(rows);
    // Behind a full batch, the next is read and checked while PostgreSQL works on this one: both
    // are free of side effects, and it is used only if this one is committed and the cursor is
    // where it began. Behind a partial one there is little to read yet: events gather instead.
    if (full) this.prefetch(end);
    await inserting;
    // PostgreSQL answered: it is up, whatever happens to the cursor's save. Said in the log first,
    // then in the state (a shipper in its own thread posts both, in this order).
    this.up = true;
    this.failures = 0;
    // The backlog as it stood when shipping (re)started, which is what the line is for.
    this.enter('shipping', () => this.options.logger.info('shipping the outbox to PostgreSQL', { store: this.options.target.shown, backlog_events: waiting }));
    this.options.onStateChange?.();
    // Parked only once the batch is committed, so a failed attempt never parks a line twice.
    for (const { item, reason } of rejected) await this.park(item, reason);
    // Only now, after the COMMIT: a crash before this line replays the batch, which adds nothing.
    await saveShipCursor(this.options.dataDir, this.options.target.identity, end);
    this.cursor = end;
    this.memory.passed(end);
    this.shippedPast(ends);
    this.shipped += rows.uuids.length;
    if (fromMemory) this.shippedFromMemory += rows.uuids.length;
    this.options.onStateChange?.();
    // New events do not cut this short (only close() does): ending it at the first one would ship them one by one again.
    if (!full) await this.wait(this.options.gatherMs ?? SHIP_GATHER_MS, false);
  }

  /** The batch after the cursor: the one read ahead when it starts there and holds lines, else read now. */
  private async nextBatch(): Promise<PreparedBatch> {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (ahead !== undefined && ahead.from.segment === this.cursor.segment && ahead.from.offset === this.cursor.offset) {
      const prepared = await ahead.batch;
      // An empty read-ahead may be stale by now: look again rather than go idle on it.
      if (prepared.ends.length > 0) return prepared;
    }
    return this.prepare(this.cursor);
  }

  private prefetch(from: Cursor): void {
    const batch = this.prepare(from);
    // Its failure is seen (and handled) when it is used; a discarded one must not go unhandled.
    batch.catch(() => undefined);
    this.ahead = { from, batch };
  }

  /** The batch after `from`: from memory when it holds what follows, else read from the disk and checked. */
  private async prepare(from: Cursor): Promise<PreparedBatch> {
    const remembered = this.fromMemory(from);
    if (remembered !== undefined) return remembered;
    const { lines, full } = await this.readBatch(from);
    const checked = lines.map((item) => outboxRow(item.line));
    return {
      ends: lines.map((item) => item.end),
      rows: eventBatch(checked.flatMap((result) => (result.ok ? [result.row] : []))),
      rejected: checked.flatMap((result, index) => (result.ok ? [] : [{ item: lines[index]!, reason: result.reason }])),
      firstReceivedMs: lines.length === 0 ? undefined : this.receivedMs(lines[0]!.line),
      full,
      fromMemory: false,
    };
  }

  /**
   * The batch after `from` taken from what ingest just wrote, if memory holds what follows it (an
   * empty batch: nothing was written since). Not checked again: these bytes never left this process
   * (see remember()). Undefined when the disk must be read: memory does not hold them, or a line is
   * not in the store's spelling (the disk path checks it).
   */
  private fromMemory(from: Cursor): PreparedBatch | undefined {
    const bounds = this.options.batch ?? SHIP_BATCH;
    const held = this.memory.after(from, bounds.lines, bounds.bytes);
    if (held === undefined) return undefined;
    const written = writtenRows(held.bytes, bounds.lines);
    if (written === undefined) return undefined;
    const { batch, ends } = written;
    return {
      ends: ends.map((offset) => ({ segment: from.segment, offset: from.offset + offset })),
      rows: batch,
      rejected: [],
      firstReceivedMs: batch.receivedAts.length === 0 ? undefined : Date.parse(batch.receivedAts[0]!),
      full: held.more,
      fromMemory: true,
    };
  }

  /** Takes a shipped batch out of the backlog: the lines the count had reached; the rest were never in it. */
  private shippedPast(ends: readonly Cursor[]): void {
    const counted = this.countedUpTo;
    if (counted === undefined) return;
    const end = ends.at(-1)!;
    let inCount = 0;
    for (const lineEnd of ends) if (compareCursors(lineEnd, counted) <= 0) inCount += 1;
    this.backlogEvents = Math.max(0, (this.backlogEvents ?? 0) - inCount);
    if (compareCursors(end, counted) > 0) this.countedUpTo = end;
  }

  private caughtUp(mark: number): void {
    this.countedMark = Math.max(this.countedMark, mark);
    // Nothing after the cursor: the count is complete up to it.
    if (this.countedUpTo === undefined || compareCursors(this.cursor, this.countedUpTo) > 0) this.countedUpTo = this.cursor;
    this.backlogEvents = 0;
    this.backlogBytes = 0;
    this.up = true;
    this.failures = 0;
    this.enter('shipping', () => this.options.logger.info('shipping the outbox to PostgreSQL', { store: this.options.target.shown, backlog_events: 0 }));
    this.options.onStateChange?.();
  }

  /** The next whole lines after the cursor, bounded by count and by bytes (at least one line). */
  private async readBatch(from: Cursor): Promise<{ lines: LineAt[]; full: boolean }> {
    const bounds = this.options.batch ?? SHIP_BATCH;
    const lines = await this.reader.readFrom(from, bounds.lines);
    let bytes = 0;
    const batch: LineAt[] = [];
    for (const item of lines) {
      bytes += Buffer.byteLength(item.line) + 1;
      if (batch.length > 0 && bytes > bounds.bytes) return { lines: batch, full: true };
      batch.push(item);
    }
    return { lines: batch, full: batch.length >= bounds.lines };
  }

  /** Bytes of the segments after the cursor, from their sizes (a few stat calls, no reading). */
  private async refreshBacklogBytes(): Promise<void> {
    let bytes = 0;
    for (const segment of (await listSegments(this.options.dataDir)).filter((name) => name >= this.cursor.segment)) {
      const size = await stat(join(this.options.dataDir, segment)).then(
        (stats) => stats.size,
        () => 0,
      );
      bytes += segment === this.cursor.segment ? Math.max(0, size - this.cursor.offset) : size;
    }
    this.backlogBytes = bytes;
  }

  private receivedMs(line: string): number | undefined {
    // The store writes received_at first; a damaged line just leaves the lag unknown for a moment.
    const match = /^\{"received_at":"([^"]+)"/.exec(line);
    const ms = match === null ? Number.NaN : Date.parse(match[1]!);
    return Number.isNaN(ms) ? undefined : ms;
  }

  /** A line that is not a usable record never leaves: it is parked in the dead letters, and shipping goes on. */
  private async park(item: LineAt, reason: string): Promise<void> {
    await parkDeadLetter(this.options.dataDir, {
      parked_at: this.options.now().toISOString(),
      reason: 'invalid',
      detail: `not shipped to PostgreSQL: ${reason}`,
      segment: item.end.segment,
      offset: item.end.offset,
      line: item.line,
    });
    this.options.logger.warn('parked an outbox line in the dead-letter file', { reason, segment: item.end.segment, offset: item.end.offset });
    this.options.onDeadLettered?.('invalid');
  }

  private enterFailure(error: unknown): void {
    const { logger, target } = this.options;
    const fields = { store: target.shown, error: (error as Error).message, backlog_events: this.backlogEvents };
    if ((error as Error).name === 'SchemaTooNewError') {
      this.enter('schema-too-new', () => logger.error('not shipping: the PostgreSQL schema is newer than this collector; events wait in the local outbox', fields));
    } else if ((error as { unreachable?: boolean }).unreachable === true) {
      this.enter('unreachable', () => logger.error('PostgreSQL is unreachable; events wait in the local outbox, retrying', fields));
    } else {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      this.enter(`refused:${code}`, () => logger.error('shipping to PostgreSQL failed; events wait in the local outbox, retrying', { ...fields, code }));
    }
  }

  private enter(state: StateKey, log: () => void): void {
    if (this.state === state) return;
    this.state = state;
    log();
  }

  /** Waits up to `ms`; close() always ends it, new events only when `idle`. */
  private async wait(ms: number, idle: boolean): Promise<void> {
    if (this.stopped) return;
    const early = new AbortController();
    this.waking = () => early.abort();
    this.waitingIdle = idle;
    try {
      await sleep(ms, early.signal);
    } finally {
      this.waking = undefined;
      this.waitingIdle = false;
    }
  }
}
