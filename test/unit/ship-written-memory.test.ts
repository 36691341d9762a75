/**
 * What the ship thread holds of what ingest just wrote: it gives bytes only where they follow the
 * shipper's cursor exactly, starts over at a gap or a new segment, keeps to its bound by letting
 * the oldest bytes go (the disk has them), and lets go of what the cursor has passed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coalesced, WrittenMemory } from '../../src/collector/ship/written-memory.js';

const DAY1 = 'events-2026-12-01.ndjson';
const DAY2 = 'events-2026-12-02.ndjson';
const bytes = (text: string): Buffer => Buffer.from(text);
const text = (held: { bytes: Buffer } | undefined): string | undefined => held?.bytes.toString();

describe('the memory of what was written', () => {
  it('gives the whole lines right after the cursor, within a batch’s bounds, nothing past what was written, and nothing for a cursor it does not reach', () => {
    const memory = new WrittenMemory();
    assert.equal(memory.after({ segment: DAY1, offset: 0 }, 100, 100), undefined, 'knows nothing at first');
    memory.add(DAY1, 10, bytes('a\nbb\n'));
    memory.add(DAY1, 15, bytes('ccc\n'));
    assert.equal(text(memory.after({ segment: DAY1, offset: 10 }, 100, 100)), 'a\nbb\nccc\n');
    assert.equal(text(memory.after({ segment: DAY1, offset: 12 }, 100, 100)), 'bb\nccc\n');
    assert.deepEqual(memory.after({ segment: DAY1, offset: 12 }, 100, 4), { bytes: bytes('bb\n'), more: true }, 'whole lines within the bytes, saying more follows');
    assert.deepEqual(memory.after({ segment: DAY1, offset: 12 }, 100, 1), { bytes: bytes('bb\n'), more: true }, 'one line at least, however long');
    assert.deepEqual(memory.after({ segment: DAY1, offset: 10 }, 2, 100), { bytes: bytes('a\nbb\n'), more: true }, 'no more lines than asked for, across writes');
    assert.deepEqual(memory.after({ segment: DAY1, offset: 12 }, 2, 100), { bytes: bytes('bb\nccc\n'), more: false }, 'the lines of two writes in one buffer');
    assert.deepEqual(memory.after({ segment: DAY1, offset: 19 }, 100, 100), { bytes: Buffer.alloc(0), more: false }, 'at its end: nothing written since');
    assert.equal(memory.after({ segment: DAY1, offset: 9 }, 100, 100), undefined, 'before what it holds: the disk has it');
    assert.equal(memory.after({ segment: DAY1, offset: 20 }, 100, 100), undefined, 'past what it holds');
    assert.equal(memory.after({ segment: '', offset: 0 }, 100, 100), undefined, 'another segment');
  });

  it('starts over at a gap: bytes that do not follow on from what it holds replace it', () => {
    const memory = new WrittenMemory();
    memory.add(DAY1, 0, bytes('a\n'));
    memory.add(DAY1, 5, bytes('b\n'));
    assert.equal(memory.after({ segment: DAY1, offset: 0 }, 100, 100), undefined);
    assert.equal(memory.after({ segment: DAY1, offset: 2 }, 100, 100), undefined, 'the gap is on the disk only');
    assert.equal(text(memory.after({ segment: DAY1, offset: 5 }, 100, 100)), 'b\n');
    assert.equal(memory.heldBytes, 2);
  });

  it("rolls over to a new segment: the old one is the disk path's, the new one is held from its start", () => {
    const memory = new WrittenMemory();
    memory.add(DAY1, 0, bytes('a\n'));
    memory.add(DAY2, 0, bytes('b\n'));
    assert.equal(memory.after({ segment: DAY1, offset: 2 }, 100, 100), undefined, 'the end of the old segment: whether more is there, only the disk knows');
    assert.equal(text(memory.after({ segment: DAY2, offset: 0 }, 100, 100)), 'b\n');
  });

  it('keeps to its bound: the oldest bytes go, and a cursor among them is sent to the disk', () => {
    const memory = new WrittenMemory(8);
    memory.add(DAY1, 0, bytes('aaa\n'));
    memory.add(DAY1, 4, bytes('bbb\n'));
    assert.equal(memory.heldBytes, 8);
    memory.add(DAY1, 8, bytes('ccc\n'));
    assert.equal(memory.heldBytes, 8);
    assert.equal(memory.after({ segment: DAY1, offset: 0 }, 100, 100), undefined);
    assert.equal(text(memory.after({ segment: DAY1, offset: 4 }, 100, 100)), 'bbb\nccc\n');
    // One write larger than the bound is not held at all, but where it ends is known.
    memory.add(DAY1, 12, bytes('a long line\n'));
    assert.equal(memory.heldBytes, 0);
    assert.equal(memory.after({ segment: DAY1, offset: 12 }, 100, 100), undefined);
    assert.equal(text(memory.after({ segment: DAY1, offset: 24 }, 100, 100)), '');
  });

  it('lets go of what the cursor passed; a cursor past it (the disk was read further) leaves it knowing nothing', () => {
    const memory = new WrittenMemory();
    memory.add(DAY1, 0, bytes('a\n'));
    memory.add(DAY1, 2, bytes('b\n'));
    memory.passed({ segment: DAY1, offset: 2 });
    assert.equal(memory.heldBytes, 2);
    assert.equal(text(memory.after({ segment: DAY1, offset: 2 }, 100, 100)), 'b\n');
    memory.passed({ segment: DAY1, offset: 6 });
    assert.equal(memory.after({ segment: DAY1, offset: 6 }, 100, 100), undefined);
    // The next write starts a run the cursor is inside of: from there on memory serves again.
    memory.add(DAY1, 4, bytes('c\nd\n'));
    assert.equal(text(memory.after({ segment: DAY1, offset: 6 }, 100, 100)), 'd\n');
    memory.passed({ segment: DAY2, offset: 0 });
    assert.equal(memory.heldBytes, 0);
  });

  it('counts the whole lines after the cursor without a copy, or says it cannot', () => {
    const memory = new WrittenMemory();
    memory.add(DAY1, 0, bytes('a\nb\n'));
    memory.add(DAY1, 4, bytes('c\n'));
    assert.deepEqual(memory.countLines({ segment: DAY1, offset: 2 }), { count: 2, end: { segment: DAY1, offset: 6 } });
    assert.deepEqual(memory.countLines({ segment: DAY1, offset: 6 }), { count: 0, end: { segment: DAY1, offset: 6 } });
    assert.equal(memory.countLines({ segment: DAY2, offset: 0 }), undefined);
  });

  it('forgets everything when told some writes never reached it', () => {
    const memory = new WrittenMemory();
    memory.add(DAY1, 0, bytes('a\n'));
    memory.forget();
    assert.equal(memory.after({ segment: DAY1, offset: 2 }, 100, 100), undefined);
    memory.add(DAY1, 2, bytes('b\n'));
    assert.equal(memory.after({ segment: DAY1, offset: 0 }, 100, 100), undefined, 'what came before the loss is not known to follow on');
  });

  it('copies a view into a larger buffer, so that holding a small write does not hold the whole pool', () => {
    const memory = new WrittenMemory();
    const pool = Buffer.from('xxa\nyy');
    memory.add(DAY1, 0, pool.subarray(2, 4));
    pool.write('zz', 2);
    assert.equal(text(memory.after({ segment: DAY1, offset: 0 }, 100, 100)), 'a\n');
  });
});

describe('writes on their way to the ship thread', () => {
  it('one buffer of its own per run of writes that follow on from one another', () => {
    const pooled = Buffer.from('..a\nb\n');
    const runs = coalesced([
      { segment: DAY1, offset: 0, bytes: pooled.subarray(2, 4) },
      { segment: DAY1, offset: 2, bytes: pooled.subarray(4, 6) },
      { segment: DAY1, offset: 9, bytes: bytes('c\n') },
      { segment: DAY2, offset: 0, bytes: bytes('d\n') },
    ]);
    assert.deepEqual(
      runs.map(({ segment, offset, bytes }) => [segment, offset, Buffer.from(bytes).toString()]),
      [
        [DAY1, 0, 'a\nb\n'],
        [DAY1, 9, 'c\n'],
        [DAY2, 0, 'd\n'],
      ],
    );
    for (const run of runs) assert.equal(run.bytes.buffer.byteLength, run.bytes.byteLength, 'transferable whole');
    assert.deepEqual(coalesced([]), []);
  });
});
