/**
 * The shipper ships what ingest has just written from memory and reads from the disk only what
 * memory does not hold: the backlog it starts with, writes memory never got or could not keep, a
 * new segment until its cursor is in it. Either way every line goes once, in the order written,
 * and a line not in the store's own spelling is checked in full. The outbox is a real segment
 * store in a temp directory whose writes are handed to the shipper as serve does; the target
 * records each insert.
 */
import assert from 'node:assert/strict';
import { appendFile, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Shipper, type ShipTarget } from '../../src/collector/ship/shipper.js';
import type { DeadLetterReason } from '../../src/collector/store/dead-letter.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import type { Logger } from '../../src/log/logger.js';
import { tbotEvent } from '../helpers/collector-process.js';
import { recordingTarget, type RecordingTarget } from '../helpers/ship-target.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const DAY1 = '2026-12-01';
const DAY2 = '2026-12-02';
const segmentOf = (day: string): string => `events-${day}.ndjson`;

/** A shipper on a segment store that hands it every write, as serve does, unless told not to. */
async function outbox(dir: string, options: { memoryBytes?: number; batchLines?: number; target?: ShipTarget } = {}) {
  const recording: RecordingTarget = recordingTarget();
  const deadLetters: DeadLetterReason[] = [];
  const changes: (() => void)[] = [];
  const shipper = new Shipper({
    dataDir: dir,
    target: options.target ?? recording.target,
    backoff: { firstMs: 5, maxMs: 5 },
    onStateChange: () => {
      for (const resolve of changes.splice(0)) resolve();
    },
    logger: quiet,
    now: () => new Date(),
    gatherMs: 0,
    // Only notices wake it: every batch here follows a write the test made.
    pollMs: 600_000,
    batch: { lines: options.batchLines ?? 2_000, bytes: 4 * 1024 * 1024 },
    ...(options.memoryBytes === undefined ? {} : { memoryBytes: options.memoryBytes }),
    onDeadLettered: (reason) => deadLetters.push(reason),
  });
  let handOn = true;
  const store = new SegmentStore(dir, { onWritten: (segment, offset, bytes) => (handOn ? shipper.remember(segment, offset, bytes) : undefined) });
  await store.open();
  let second = 0;
  /** Stores `count` events received on `day` in one write, and tells the shipper. */
  const write = async (day: string, count: number): Promise<void> => {
    second += 1;
    const receivedAt = `${day}T10:00:${String(second % 60).padStart(2, '0')}.000Z`;
    await store.appendAll(Array.from({ length: count }, () => ({ received_at: receivedAt, family: 'tbot' as const, event: tbotEvent() })));
    shipper.notify();
  };
  /** The uuids of the segments' lines, in order. */
  const storedUuids = async (...days: string[]): Promise<string[]> => {
    const uuids: string[] = [];
    for (const day of days)
      for (const line of (await readFile(join(dir, segmentOf(day)), 'utf8')).split('\n').filter(Boolean)) uuids.push((JSON.parse(line) as { uuid: string }).uuid);
    return uuids;
  };
  /** Resolves once the shipper's state has changed `check` true (it is read after each change). */
  const stateWhere = async (check: () => boolean): Promise<void> => {
    while (!check()) await new Promise<void>((resolve) => changes.push(resolve));
  };
  const shippedUuids = (): string[] => recording.batches.flatMap((batch) => batch.uuids);
  /** Rows of the batches made from memory: their lines are the bytes written, a disk batch's are text. */
  const fromMemory = (): number => recording.batches.reduce((sum, batch) => sum + (Buffer.isBuffer(batch.lines) ? batch.uuids.length : 0), 0);
  return {
    shipper,
    store,
    recording,
    deadLetters,
    write,
    storedUuids,
    shippedUuids,
    stateWhere,
    fromMemory,
    handOn: (on: boolean) => (handOn = on),
    close: async () => {
      await shipper.close();
      await store.close();
    },
  };
}

// A shipper that never ships what a test waits for fails the test, bounded, rather than hanging it.
describe('the shipper ships what was just written from memory', { timeout: 60_000 }, () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-shipper-memory-');
  });
  after(async () => workspace.remove());

  it('ships what follows its cursor from memory: the bytes on the disk are not read again', async () => {
    const dir = join(workspace.dir, 'memory');
    const box = await outbox(dir);
    box.shipper.start();
    try {
      // Its first batch starts before any segment: the disk path, which brings its cursor into the segment.
      await box.write(DAY1, 3);
      await box.recording.insertedRows(3);
      const before = (await stat(join(dir, segmentOf(DAY1)))).size;
      await box.write(DAY1, 5);
      const uuids = (await box.storedUuids(DAY1)).slice(3);
      // The disk now holds other bytes where those lines are: read from there, they would be parked, not shipped.
      const file = await open(join(dir, segmentOf(DAY1)), 'r+');
      const size = (await file.stat()).size;
      const blanked = Buffer.alloc(size - before, 'x');
      blanked[blanked.length - 1] = 0x0a;
      await file.write(blanked, 0, blanked.length, before);
      await file.close();
      await box.recording.insertedRows(8);
      assert.deepEqual(box.shippedUuids().slice(3), uuids);
      assert.equal(Buffer.isBuffer(box.recording.batches.at(-1)!.lines), true, 'sent as the bytes written');
    } finally {
      await box.close();
    }
    assert.deepEqual(box.deadLetters, []);
    assert.equal(box.shipper.gauges().shipped, 8);
    assert.equal(box.shipper.gauges().shippedFromMemory, 5);
    assert.equal(box.shipper.gauges().backlogEvents, 0);
  });

  it('reads from the disk what memory never got, or could not keep, and every line goes once, in order', async () => {
    const dir = join(workspace.dir, 'fallback');
    // Room for about two events' lines: a write of more is never held.
    const box = await outbox(dir, { memoryBytes: 1_000, batchLines: 3 });
    box.shipper.start();
    try {
      await box.write(DAY1, 4);
      await box.recording.insertedRows(4);
      // Writes memory never got (a worker started again, a stalled hand-over): a gap before the next one it gets.
      box.handOn(false);
      await box.write(DAY1, 2);
      box.handOn(true);
      await box.write(DAY1, 1);
      await box.recording.insertedRows(7);
      assert.equal(box.fromMemory(), 0, 'the gap and what follows it came from the disk');
      // A write larger than memory's bound.
      await box.write(DAY1, 10);
      await box.recording.insertedRows(17);
      assert.equal(box.fromMemory(), 0);
      // Its cursor is where memory knows the outbox ends: what is written next comes from memory.
      await box.write(DAY1, 1);
      await box.recording.insertedRows(18);
      assert.equal(box.fromMemory(), 1);
      assert.deepEqual(box.shippedUuids(), await box.storedUuids(DAY1));
    } finally {
      await box.close();
    }
    assert.equal(box.shipper.gauges().backlogEvents, 0);
    assert.equal(box.shipper.gauges().shippedFromMemory, 1);
  });

  it('a new day: the new segment from the disk until its cursor is there, then from memory', async () => {
    const dir = join(workspace.dir, 'rollover');
    const box = await outbox(dir);
    box.shipper.start();
    try {
      await box.write(DAY1, 2);
      await box.recording.insertedRows(2);
      await box.write(DAY1, 2);
      await box.recording.insertedRows(4);
      assert.equal(box.fromMemory(), 2);
      await box.write(DAY2, 3);
      await box.recording.insertedRows(7);
      assert.equal(box.fromMemory(), 2, 'whether the old segment ends where its cursor is, only the disk can say');
      await box.write(DAY2, 2);
      await box.recording.insertedRows(9);
      assert.equal(box.fromMemory(), 4);
      assert.deepEqual(box.shippedUuids(), await box.storedUuids(DAY1, DAY2));
    } finally {
      await box.close();
    }
    assert.equal(box.shipper.gauges().shippedFromMemory, 4);
    assert.equal(box.shipper.gauges().shipped, 9);
  });

  it('counts the backlog from memory, each line once, while PostgreSQL is down', async () => {
    const dir = join(workspace.dir, 'backlog');
    let failures = 0;
    const down: ShipTarget = {
      ...recordingTarget().target,
      migrate: async () => {
        failures += 1;
        throw Object.assign(new Error('connect ECONNREFUSED'), { unreachable: true });
      },
    };
    const box = await outbox(dir, { target: down });
    box.shipper.start();
    try {
      await box.stateWhere(() => failures > 0);
      // Its count starts before any segment: the first lines are counted from the disk.
      await box.write(DAY1, 3);
      await box.stateWhere(() => box.shipper.outboxState().noticesCounted >= 1);
      assert.equal(box.shipper.gauges().backlogEvents, 3);
      // Four more in one write, whose bytes on the disk then read as one line: counted from memory, they are four.
      const path = join(dir, segmentOf(DAY1));
      const before = (await stat(path)).size;
      await box.store.appendAll(Array.from({ length: 4 }, () => ({ received_at: `${DAY1}T11:00:00.000Z`, family: 'tbot' as const, event: tbotEvent() })));
      const size = (await stat(path)).size;
      const file = await open(path, 'r+');
      const blanked = Buffer.alloc(size - before, 'x');
      blanked[blanked.length - 1] = 0x0a;
      await file.write(blanked, 0, blanked.length, before);
      await file.close();
      box.shipper.notify();
      await box.stateWhere(() => box.shipper.outboxState().noticesCounted >= 2);
      assert.equal(box.shipper.gauges().backlogEvents, 7);
      assert.equal(box.shipper.gauges().postgresUp, false);
    } finally {
      await box.close();
    }
  });

  it('a line in memory that is not in the store’s spelling is checked in full: parked, never shipped', async () => {
    const dir = join(workspace.dir, 'unspelled');
    const box = await outbox(dir);
    box.shipper.start();
    try {
      await box.write(DAY1, 1);
      await box.recording.insertedRows(1);
      const path = join(dir, segmentOf(DAY1));
      const offset = (await stat(path)).size;
      const line = Buffer.from(`${JSON.stringify({ family: 'tbot', received_at: new Date().toISOString(), event: { secret: 'x' } })}\n`);
      // Written where the store's next line would go, and handed over as the store hands its writes.
      await appendFile(path, line);
      box.shipper.remember(segmentOf(DAY1), offset, line);
      box.shipper.notify();
      await box.recording.inserted(2);
      assert.deepEqual(box.recording.sizes(), [1, 0], 'the batch after it holds no row');
      assert.equal(box.fromMemory(), 0);
      assert.ok(
        box.recording.batches.every((batch) => !String(batch.lines).includes('secret')),
        'the unchecked line never reaches the target',
      );
    } finally {
      await box.close();
    }
    assert.deepEqual(box.deadLetters, ['invalid']);
    assert.equal(box.shipper.gauges().shipped, 1);
    assert.equal(box.shipper.gauges().backlogEvents, 0);
  });
});
