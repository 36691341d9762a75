/**
 * The segment reader's two ways of reading, blocking (report worker threads, the one-shot CLI) and
 * streamed (servers), give the same lines, also when a multi-byte character straddles two reads
 * and when a line is longer than several reads.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sealSegment } from '../../src/collector/store/seal.js';
import { SegmentReader } from '../../src/collector/store/segments.js';
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
    } finally {
      await workspace.remove();
    }
  });
});
