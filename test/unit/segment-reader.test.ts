/**
 * The segment reader's two ways of reading, blocking (report worker threads, the one-shot CLI, the
 * shipper's thread) and streamed (servers), give the same lines, also when a multi-byte character
 * straddles two reads and when a line is longer than several reads; reading on from a cursor gives
 * each line with the cursor after it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sealSegment } from '../../src/collector/store/seal.js';
import { type Cursor, type LineAt, SegmentReader } from '../../src/collector/store/segments.js';
import { makeWorkspace } from '../helpers/workspace.js';

const SEGMENT = 'events-2026-11-20.ndjson';

async function familyLines(reader: SegmentReader): Promise<string[]> {
  const lines: string[] = [];
  for await (const batch of reader.familyLines(SEGMENT, 'usage')) lines.push(...batch);
  return lines;
}

describe('reading a segment', () => {
  it('gives the same lines blocking and streamed, plain and sealed, with characters cut between two 64 KiB reads joined', async () => {
    const workspace = await makeWorkspace('tbot-segment-reader-');
    try {
      const line = (index: number, text: string) =>
        `{"received_at":"2026-11-20T10:00:00.000Z","family":"${index % 3 === 0 ? 'tbot' : 'usage'}","event":{"n":${index},"t":"${text}"}}`;
      // Text of 3- and 4-byte characters only ("€", "𝄞"): nearly every piece boundary falls inside one.
      const lines = Array.from({ length: 3000 }, (_, index) => line(index, `${'€'.repeat(40 + (index % 7))}𝄞`));
      await writeFile(join(workspace.dir, SEGMENT), `${lines.join('\n')}\n`);
      const blocking = await familyLines(new SegmentReader(workspace.dir, { blocking: true }));
      const streamed = await familyLines(new SegmentReader(workspace.dir));
      const expected = lines.filter((_, index) => index % 3 !== 0);
      assert.ok(Buffer.byteLength(lines.join('\n')) > 4 * 64 * 1024, 'the segment spans several reads');
      assert.deepEqual(blocking, expected);
      assert.deepEqual(streamed, expected);
      // Sealed (gzipped), the blocking reader has no plain file to read and inflates the stream.
      assert.notEqual(await sealSegment(workspace.dir, SEGMENT), undefined);
      assert.deepEqual(await familyLines(new SegmentReader(workspace.dir, { blocking: true })), expected);
      assert.deepEqual(await familyLines(new SegmentReader(workspace.dir)), expected);
    } finally {
      await workspace.remove();
    }
  });

  it('gives a line longer than several reads whole, skips blank lines, and leaves out a torn last line', async () => {
    const workspace = await makeWorkspace('tbot-segment-reader-');
    try {
      const line = (family: string, text: string) => `{"received_at":"2026-11-20T10:00:00.000Z","family":"${family}","event":{"t":"${text}"}}`;
      const long = line('usage', 'x'.repeat(200 * 1024));
      const lines = [line('usage', 'a'), long, line('tbot', 'y'.repeat(150 * 1024)), line('usage', 'b'), long, line('usage', 'c')];
      // Blank lines between, and a last line the writer never finished.
      await writeFile(join(workspace.dir, SEGMENT), `${lines.join('\n\n')}\n\n${line('usage', 'torn').slice(0, 30)}`);
      const expected = lines.filter((text) => !text.includes('"family":"tbot"'));
      assert.deepEqual(await familyLines(new SegmentReader(workspace.dir, { blocking: true })), expected);
      assert.deepEqual(await familyLines(new SegmentReader(workspace.dir)), expected);
      // Every family's lines, one at a time, by the same splitting.
      const every: string[] = [];
      for await (const line of new SegmentReader(workspace.dir).lines(SEGMENT)) every.push(line);
      assert.deepEqual(every, lines);
    } finally {
      await workspace.remove();
    }
  });
});

describe('reading on from a cursor', () => {
  it('gives every whole line once with the cursor after it, blocking and streamed, plain and sealed, whatever the batch size', async () => {
    const workspace = await makeWorkspace('tbot-segment-cursor-');
    try {
      const day = (name: string, count: number, tail: string): { name: string; text: string; expected: LineAt[] } => {
        const lines = Array.from(
          { length: count },
          (_, index) => `{"received_at":"2026-11-20T10:00:00.000Z","family":"tbot","event":{"n":${index},"t":"${'€'.repeat(30 + (index % 11))}𝄞"}}`,
        );
        // An empty line (skipped, its byte counted) and a torn tail (never acknowledged, never read).
        const text = `${lines.slice(0, 10).join('\n')}\n\n${lines.slice(10).join('\n')}\n${tail}`;
        const expected: LineAt[] = [];
        let offset = 0;
        for (const [index, line] of lines.entries()) {
          offset += Buffer.byteLength(line) + 1 + (index === 10 ? 1 : 0);
          expected.push({ line, end: { segment: name, offset } });
        }
        return { name, text, expected };
      };
      const days = [day('events-2026-11-19.ndjson', 1500, ''), day(SEGMENT, 3500, '{"received_at":"2026-11-20T1')];
      for (const { name, text } of days) await writeFile(join(workspace.dir, name), text);
      const expected = days.flatMap(({ expected }) => expected);
      assert.ok(Buffer.byteLength(days[1]!.text) > 2 * 256 * 1024, 'a segment spans several reads');
      const readAll = async (reader: SegmentReader, limit: number, from: Cursor = { segment: '', offset: 0 }): Promise<LineAt[]> => {
        const found: LineAt[] = [];
        for (let cursor = from, batch = await reader.readFrom(cursor, limit); batch.length > 0; batch = await reader.readFrom(cursor, limit)) {
          assert.ok(batch.length <= limit);
          found.push(...batch);
          cursor = batch.at(-1)!.end;
        }
        return found;
      };
      const middle = expected[1700]!.end;
      for (const sealed of [false, true]) {
        // Sealing the first day: the blocking reader inflates it by the stream, and reads the plain one itself.
        if (sealed) assert.notEqual(await sealSegment(workspace.dir, days[0]!.name), undefined);
        for (const blocking of [true, false]) {
          const reader = new SegmentReader(workspace.dir, { blocking });
          for (const limit of [97, 1000, 5000]) assert.deepEqual(await readAll(reader, limit), expected, `sealed ${sealed}, blocking ${blocking}, ${limit} a batch`);
          assert.deepEqual(await readAll(reader, 333, middle), expected.slice(1701));
          assert.deepEqual(await reader.countLinesFrom(middle), { count: expected.length - 1701, end: expected.at(-1)!.end });
          assert.deepEqual(await reader.countLinesFrom(expected.at(-1)!.end), { count: 0, end: expected.at(-1)!.end });
          await reader.close();
        }
      }
    } finally {
      await workspace.remove();
    }
  });
});
