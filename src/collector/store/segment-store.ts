/**
 * The embedded store's writer: appends lines to the segment of their arrival day (the format is
 * segments.ts's). Appends are group-committed: every event waiting while one batch is being
 * written goes into the next batch, so durability costs one synchronous write (O_DSYNC, what a
 * write and an fdatasync give) per batch, not per event. A caller's promise resolves only after
 * its line is on disk.
 *
 * A failed write (a full disk, an I/O error) can leave part of a batch in the file. The store
 * remembers where the last durably written line ended and cuts the file back to it before anything else
 * is appended, so a later acknowledged line is never glued onto a partial one. Until that cut
 * succeeds, nothing more is appended to the segment and every append is rejected.
 *
 * Past days are sealed (seal.ts), and the store never appends to a day it has been told is
 * closed (closeDaysBefore). A line whose arrival day is closed (the clock was set back by more
 * than the sealing grace) is not refused: it is stored, its received_at unchanged, in the first
 * open day's segment. Readers lose nothing by that: reports read every segment from the window's
 * first day on and judge each record by its own times, and the forwarder reads segments in order.
 */
import { join } from 'node:path';
import { prepareDataDir } from './data-dir.js';
import { eventUuid, recordUuid } from './event-identity.js';
import { familyOf, type Family, type StoredRecord } from './record.js';
import { storedLine } from './stored-line.js';
import { listSegments, openForAppend, SegmentReader, segmentDay, segmentOf, segmentOfDay, type AppendTarget } from './segments.js';
import { UniqueIndex } from './unique-index.js';

/** Families whose events are stored at most once by uuid: a usage report must never be billed twice. */
export const UNIQUE_FAMILIES: ReadonlySet<Family> = new Set<Family>(['usage']);

/** The uuids of the stored records of the unique families, oldest first, read from the segments. */
async function* storedUniqueUuids(dir: string): AsyncGenerator<string> {
  const reader = new SegmentReader(dir);
  for (const segment of await listSegments(dir))
    for (const family of UNIQUE_FAMILIES)
      for await (const lines of reader.familyLines(segment, family))
        for (const line of lines) {
          try {
            const record = JSON.parse(line) as StoredRecord;
            if (familyOf(record) === family) yield recordUuid(record);
          } catch {
            // A damaged line is the reports' business; it identifies nothing.
          }
        }
}

export interface StoreHooks {
  /** Called once per durably written batch with its size and how long the write took. */
  onBatch?: (events: number, millis: number) => void;
  /** Called for each torn tail found (and cut) when a segment is opened. */
  onTornTail?: (segment: string, bytes: number) => void;
  /**
   * Called when writing a segment fails, once per kind of failure until a write succeeds again,
   * so a full disk under load logs one line rather than one per batch.
   */
  onWriteError?: (segment: string, error: NodeJS.ErrnoException) => void;
  /** Called once per closed day that lines arrived for, with the segment they were stored in instead. */
  onLateLines?: (day: string, segment: string) => void;
  /**
   * Called after each durable write with the segment, the offset it began at and the bytes written
   * (whole lines), in the order of the writes, before the write's callers are answered. A failed
   * write (cut back from the file) is never reported. The caller may keep `bytes`: the store does
   * not touch them again.
   */
  onWritten?: (segment: string, offset: number, bytes: Buffer) => void;
}

/** Closed days whose late lines have been reported, remembered up to this many. */
const LATE_DAYS_REPORTED = 64;

interface Pending {
  line: string;
  day: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface OpenSegment extends AppendTarget {
  /** A write failed after `size`: the file must be cut back to `size` before the next append. */
  dirty: boolean;
}

export class SegmentStore {
  private queue: Pending[] = [];
  /** The batch loop while it runs; absent when the queue is empty. */
  private draining: Promise<void> | undefined;
  private segments = new Map<string, OpenSegment>();
  private lastErrorKey: string | undefined;
  private readonly unique: UniqueIndex;
  /** Days before this one ("YYYY-MM-DD") are closed: being sealed, or sealed. '' closes none. */
  private openFrom = '';
  /** The batch being written, if any: closing a day waits for it. */
  private writing: Promise<unknown> | undefined;
  private readonly lateReported = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly hooks: StoreHooks = {},
  ) {
    this.unique = new UniqueIndex(() => storedUniqueUuids(dir));
  }

  /** Creates the data directory (0700), or checks an existing one; throws DataDirError if it is unsafe. */
  async open(): Promise<void> {
    await prepareDataDir(this.dir);
  }

  async append(record: StoredRecord): Promise<void> {
    await this.appendAll([record]);
  }

  /**
   * Stores the records together: they land in one write, so they are acknowledged together. Each
   * gets its identity (`uuid`) here, once. A record whose uuid an earlier record of the same call
   * has, or of a unique family whose uuid is already stored (or being stored), is left out:
   * resolves with how many records were actually written.
   */
  async appendAll(records: readonly StoredRecord[]): Promise<number> {
    const identified = records.map((record) => {
      // The event is serialized once, for its identity and for its line.
      const eventJson = JSON.stringify(record.event);
      return { record, eventJson, uuid: record.uuid ?? eventUuid(record.family, record.event, eventJson) };
    });
    const claimed: string[] = [];
    // One identity, one line: two records of one call that are the same event (two Discover
    // errors that redacted to the same text at the same instant, say) are stored once, as PostHog,
    // which keeps one event per uuid, will count them; the reports then agree with it.
    const inCall = new Set<string>();
    let kept = identified.filter(({ uuid }) => !inCall.has(uuid) && inCall.add(uuid) !== undefined);
    if (identified.some(({ record }) => UNIQUE_FAMILIES.has(record.family))) {
      await this.unique.ready();
      kept = kept.filter(({ record, uuid }) => {
        if (!UNIQUE_FAMILIES.has(record.family)) return true;
        if (!this.unique.claim(uuid)) return false;
        claimed.push(uuid);
        return true;
      });
    }
    if (kept.length === 0) return 0;
    try {
      await new Promise<void>((resolve, reject) => {
        // One request's events share a receive time, hence a segment.
        // The key order is the format's: received_at, family, event, uuid (readers find the family at a fixed offset).
        const line = kept.map(({ record, eventJson, uuid }) => `${storedLine(record.received_at, record.family, eventJson, uuid)}\n`).join('');
        this.queue.push({ line, day: segmentOf(kept[0]!.record.received_at), resolve, reject });
        this.startDrain();
      });
    } catch (error) {
      for (const uuid of claimed) this.unique.release(uuid);
      throw error;
    }
    for (const uuid of claimed) this.unique.commit(uuid);
    return kept.length;
  }

  private startDrain(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      // An append that arrived just as the loop finished saw it still running; pick it up.
      if (this.queue.length > 0) this.startDrain();
    });
  }

  /**
   * One batch on the disk at a time. A written batch's callers are answered only once the next
   * batch (whatever queued meanwhile) is on its way to the disk: answering them (a response each)
   * takes the CPU a while, and the disk need not sit idle for it.
   */
  private async drain(): Promise<void> {
    let answer: (() => void) | undefined;
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const written = this.writeBatch(batch);
      this.writing = written;
      answer?.();
      answer = await written;
    }
    answer?.();
    this.writing = undefined;
  }

  /**
   * Closes every day before `day` ("YYYY-MM-DD") for appending, for good: resolves once no write to
   * one of them is under way and their files are closed, so they can be sealed. Never reopens a day
   * (a smaller `day` than before changes nothing).
   */
  async closeDaysBefore(day: string): Promise<void> {
    if (day <= this.openFrom) return;
    this.openFrom = day;
    // A batch already under way may be writing to a day just closed; later ones see openFrom.
    await this.writing?.catch(() => undefined);
    for (const [name, segment] of this.segments) {
      if (segmentDay(name) >= day) continue;
      this.segments.delete(name);
      if (segment.dirty) await segment.handle.truncate(segment.size).catch(() => undefined);
      await segment.handle.close();
    }
  }

  /** The segment a batch for `segment` goes to: itself, or the first open day's when its day is closed. */
  private destination(segment: string): string {
    if (segmentDay(segment) >= this.openFrom) return segment;
    const into = segmentOfDay(this.openFrom);
    const day = segmentDay(segment);
    if (!this.lateReported.has(day)) {
      this.lateReported.add(day);
      if (this.lateReported.size > LATE_DAYS_REPORTED) this.lateReported.delete(this.lateReported.values().next().value as string);
      this.hooks.onLateLines?.(day, into);
    }
    return into;
  }

  /** Writes a batch; resolves with what settles its callers' promises, without settling them yet. */
  private async writeBatch(batch: Pending[]): Promise<() => void> {
    const started = performance.now();
    const byDay = new Map<string, Pending[]>();
    for (const item of batch) {
      const items = byDay.get(item.day);
      if (items === undefined) byDay.set(item.day, [item]);
      else items.push(item);
    }
    const stored: Pending[] = [];
    const failed: [Pending[], unknown][] = [];
    // Each day's lines stand or fall together; a failure on one day does not fail the others.
    for (const [day, items] of byDay) {
      try {
        await this.write(day, items.map((item) => item.line).join(''));
        stored.push(...items);
      } catch (error) {
        failed.push([items, error]);
      }
    }
    if (stored.length > 0) this.hooks.onBatch?.(stored.length, performance.now() - started);
    return () => {
      for (const item of stored) item.resolve();
      for (const [items, error] of failed) for (const item of items) item.reject(error);
    };
  }

  /**
   * Appends `text` to the day's segment, durably (the segment is opened with O_DSYNC). Up to the
   * write's system call this runs without yielding when the segment is open, so the write is
   * under way when drain() goes on to answer the previous batch.
   */
  private async write(arrivalSegment: string, text: string): Promise<void> {
    // Decided here, not when the batch was grouped: a day may be closed while an earlier day's write awaits.
    const day = this.destination(arrivalSegment);
    const segment = this.segments.get(day) ?? (await this.openSegment(day).catch((error: NodeJS.ErrnoException) => this.failed(day, error)));
    if (segment.dirty) {
      await segment.handle.truncate(segment.size).catch((error: NodeJS.ErrnoException) => this.failed(day, error));
      segment.dirty = false;
    }
    const bytes = Buffer.from(text);
    try {
      // A regular file takes a whole write unless the disk fills; then the rest fails with ENOSPC.
      for (let at = 0; at < bytes.length; ) {
        const { bytesWritten } = await segment.handle.write(bytes, at);
        if (bytesWritten === 0) throw Object.assign(new Error('write stored nothing'), { code: 'EIO' });
        at += bytesWritten;
      }
    } catch (error) {
      segment.dirty = true;
      // Cut now when the disk lets us; otherwise the next append tries again first.
      await segment.handle.truncate(segment.size).then(
        () => (segment.dirty = false),
        () => undefined,
      );
      return this.failed(day, error as NodeJS.ErrnoException);
    }
    const offset = segment.size;
    segment.size += bytes.length;
    this.lastErrorKey = undefined;
    this.hooks.onWritten?.(day, offset, bytes);
  }

  private failed(day: string, error: NodeJS.ErrnoException): never {
    const key = `${day}:${error.code ?? error.name}`;
    if (key !== this.lastErrorKey) {
      this.lastErrorKey = key;
      this.hooks.onWriteError?.(day, error);
    }
    throw error;
  }

  private async openSegment(day: string): Promise<OpenSegment> {
    const opened: OpenSegment = { ...(await openForAppend(join(this.dir, day), { syncWrites: true })), dirty: false };
    if (opened.cut > 0) this.hooks.onTornTail?.(day, opened.cut);
    // Only today's segment is written to; older days are closed as soon as a new day starts.
    for (const [name, old] of this.segments) {
      if (old.dirty) await old.handle.truncate(old.size).catch(() => undefined);
      await old.handle.close();
      this.segments.delete(name);
    }
    this.segments.set(day, opened);
    return opened;
  }

  async close(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
    for (const segment of this.segments.values()) await segment.handle.close();
    this.segments.clear();
  }
}
