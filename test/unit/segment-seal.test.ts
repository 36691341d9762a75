/**
 * Sealing a past day's segment into events-YYYY-MM-DD.ndjson.gz: readers see the same lines in
 * either form, a cursor taken in the plain file goes on in the gzip, a seal stopped at any of its
 * steps (standing for a crash there) leaves a directory whose lines are read exactly once and that
 * the next run finishes, and the writer never appends to a sealed day.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { readForwardCursor } from '../../src/collector/forward/cursor-file.js';
import { PostHogForwarder } from '../../src/collector/forward/posthog-forwarder.js';
import { firstOpenDay, SEAL_GRACE_MS, type SealStep, sealBefore, sealSegment } from '../../src/collector/store/seal.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import { DamagedSegmentError, type LineAt, listSegmentEntries, SegmentReader, START, sealedName } from '../../src/collector/store/segments.js';
import type { Logger } from '../../src/log/logger.js';
import { tbotEvent } from '../helpers/collector-process.js';
import { startPostHog } from '../helpers/posthog-stub.js';
import { makeWorkspace } from '../helpers/workspace.js';

const SEGMENT = 'events-2026-11-20.ndjson';
const DAY_AFTER = new Date('2026-11-21T12:00:00.000Z');
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** `count` stored tbot lines received on SEGMENT's day, in the writer's key order. */
function storedLines(count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const at = new Date(Date.parse('2026-11-20T00:00:00.000Z') + index * 1000).toISOString();
    return JSON.stringify({ received_at: at, family: 'tbot', event: tbotEvent({ version: `1.0.${index}` }, { distinctId: `id-${index}`, timestamp: at }) });
  });
}

async function readAll(dir: string, blocking = false): Promise<string[]> {
  const reader = new SegmentReader(dir, { blocking });
  const lines: string[] = [];
  for (const segment of (await listSegmentEntries(dir)).segments) for await (const line of reader.lines(segment)) lines.push(line);
  return lines;
}

/** Every line after START, `step` at a time, as the forwarder reads them. */
async function readInSteps(reader: SegmentReader, step: number, from = START): Promise<LineAt[]> {
  const all: LineAt[] = [];
  for (let batch = await reader.readFrom(from, step); batch.length > 0; batch = await reader.readFrom(batch.at(-1)!.end, step)) all.push(...batch);
  return all;
}

describe('sealing segments', () => {
  it('gzips the whole lines of a past day, removes the plain file, and every reader reads the gzip the same', async (t) => {
    const workspace = await makeWorkspace('tbot-seal-');
    t.after(() => workspace.remove());
    const lines = storedLines(2000);
    // A torn last line (a crash mid-write): never acknowledged, so it is not sealed.
    await writeFile(join(workspace.dir, SEGMENT), `${lines.join('\n')}\n{"received_at":"2026-11-20T23:5`, { mode: 0o600 });
    const reader = new SegmentReader(workspace.dir);
    const before = await readInSteps(reader, 50);

    const run = await sealBefore(workspace.dir, firstOpenDay(DAY_AFTER), DAY_AFTER);
    assert.equal(run.sealed.length, 1);
    assert.equal(run.sealed[0]!.cut, '{"received_at":"2026-11-20T23:5'.length);
    assert.deepEqual(await readdir(workspace.dir), [sealedName(SEGMENT)]);
    const sealed = await lstat(join(workspace.dir, sealedName(SEGMENT)));
    assert.equal(sealed.mode & 0o777, 0o600);
    assert.equal(gunzipSync(await readFile(join(workspace.dir, sealedName(SEGMENT)))).toString('utf8'), `${lines.join('\n')}\n`);
    // The real gzip reads it as one text too, its members one after another, and finds it sound.
    const sealedPath = join(workspace.dir, sealedName(SEGMENT));
    assert.equal(execFileSync('gzip', ['-dc', sealedPath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }), `${lines.join('\n')}\n`);
    execFileSync('gzip', ['-t', sealedPath]);

    // The stream (a thread that must not block) and the members read with blocking calls agree.
    for (const blocking of [false, true]) {
      const reading = new SegmentReader(workspace.dir, { blocking });
      assert.deepEqual(await readAll(workspace.dir, blocking), lines);
      const family: string[] = [];
      for await (const batch of reading.familyLines(SEGMENT, 'tbot')) family.push(...batch);
      assert.deepEqual(family, lines);
      assert.deepEqual(await readInSteps(reading, 50), before);
      assert.equal(await reading.countFrom(START), lines.length);
      assert.equal(await reading.countFrom(before[999]!.end), 1000);
      await reading.close();
    }
    await reader.close();
  });

  it('a segment gzipped as one stream (by gzip itself, or an older collector) is read the same by either reader', async (t) => {
    const workspace = await makeWorkspace('tbot-seal-stream-');
    t.after(() => workspace.remove());
    const lines = storedLines(1500);
    await writeFile(join(workspace.dir, SEGMENT), `${lines.join('\n')}\n`, { mode: 0o600 });
    const plain = await readInSteps(new SegmentReader(workspace.dir), 70);
    execFileSync('gzip', ['-6', join(workspace.dir, SEGMENT)]);
    assert.deepEqual(await readdir(workspace.dir), [sealedName(SEGMENT)]);
    for (const blocking of [false, true]) {
      assert.deepEqual(await readAll(workspace.dir, blocking), lines);
      const reading = new SegmentReader(workspace.dir, { blocking });
      assert.deepEqual(await readInSteps(reading, 70), plain);
      await reading.close();
    }
  });

  it('a cursor taken in the plain file goes on in the gzip, from a fresh reader or a forwarder restarted on its old cursor file', async (t) => {
    const posthog = await startPostHog();
    const workspace = await makeWorkspace('tbot-seal-cursor-');
    t.after(async () => {
      await posthog.close();
      await workspace.remove();
    });
    const lines = storedLines(1200);
    await writeFile(join(workspace.dir, SEGMENT), `${lines.join('\n')}\n`, { mode: 0o600 });
    const first = await new SegmentReader(workspace.dir).readFrom(START, 700);
    // A cursor file as the forwarder wrote it before sealing existed: the same shape and meaning.
    await writeFile(join(workspace.dir, 'posthog-cursor.json'), JSON.stringify(first.at(-1)!.end), { mode: 0o600 });
    await sealSegment(workspace.dir, SEGMENT);
    assert.deepEqual(await readForwardCursor(workspace.dir), { segment: SEGMENT, offset: first.at(-1)!.end.offset });

    const rest = await readInSteps(new SegmentReader(workspace.dir), 100, first.at(-1)!.end);
    assert.deepEqual(
      [...first, ...rest].map((item) => item.line),
      lines,
    );

    const forwarder = new PostHogForwarder({ dataDir: workspace.dir, host: posthog.url, apiKey: 'phc_test', logger: quiet });
    await forwarder.start();
    try {
      assert.equal(forwarder.pending, 500);
      await posthog.until(() => posthog.accepted.length >= 500);
      const expected = lines.slice(700).map((line) => (JSON.parse(line) as { event: { distinctId: string } }).event.distinctId);
      assert.deepEqual(
        posthog.accepted.map((event) => event.distinct_id),
        expected,
      );
    } finally {
      await forwarder.close();
    }
    assert.deepEqual(await readForwardCursor(workspace.dir), rest.at(-1)!.end);
  });

  for (const step of ['temp-written', 'renamed', 'directory-synced', 'plain-removed'] as const satisfies readonly SealStep[]) {
    it(`a seal stopped after ${step} leaves every line read exactly once, and the next run finishes it`, async (t) => {
      const workspace = await makeWorkspace('tbot-seal-crash-');
      t.after(() => workspace.remove());
      const lines = storedLines(300);
      const later = 'events-2026-11-21.ndjson';
      const laterLines = storedLines(3).map((line) => line.replace('2026-11-20', '2026-11-21'));
      await writeFile(join(workspace.dir, SEGMENT), `${lines.join('\n')}\n`, { mode: 0o600 });
      await writeFile(join(workspace.dir, later), `${laterLines.join('\n')}\n`, { mode: 0o600 });
      const crash = new Error(`crash after ${step}`);
      await assert.rejects(
        sealSegment(workspace.dir, SEGMENT, {
          afterStep: (reached) => {
            if (reached === step) throw crash;
          },
        }),
        crash,
      );
      const names = (await readdir(workspace.dir)).sort();
      const expected = {
        'temp-written': [/^\.events-2026-11-20\.ndjson\.gz\.[0-9a-f]{12}\.tmp$/, /^events-2026-11-20\.ndjson$/, /^events-2026-11-21\.ndjson$/],
        renamed: [/^events-2026-11-20\.ndjson$/, /^events-2026-11-20\.ndjson\.gz$/, /^events-2026-11-21\.ndjson$/],
        'directory-synced': [/^events-2026-11-20\.ndjson$/, /^events-2026-11-20\.ndjson\.gz$/, /^events-2026-11-21\.ndjson$/],
        'plain-removed': [/^events-2026-11-20\.ndjson\.gz$/, /^events-2026-11-21\.ndjson$/],
      }[step];
      assert.equal(names.length, expected.length, names.join(' '));
      for (const [index, name] of names.entries()) assert.match(name, expected[index]!);

      // Whatever is on disk, the reports and the forwarder see each line once.
      assert.deepEqual(await readAll(workspace.dir), [...lines, ...laterLines]);
      const reader = new SegmentReader(workspace.dir);
      assert.deepEqual(
        (await readInSteps(reader, 64)).map((item) => item.line),
        [...lines, ...laterLines],
      );
      await reader.close();

      // The next run (past the stale-temp age, as after a restart) leaves the gzip alone, complete.
      const run = await sealBefore(workspace.dir, '2026-11-21', new Date(Date.now() + SEAL_GRACE_MS + 1000));
      assert.deepEqual(run.failed, []);
      assert.deepEqual((await readdir(workspace.dir)).sort(), [sealedName(SEGMENT), later]);
      assert.equal(gunzipSync(await readFile(join(workspace.dir, sealedName(SEGMENT)))).toString('utf8'), `${lines.join('\n')}\n`);
      assert.deepEqual(await readAll(workspace.dir), [...lines, ...laterLines]);
    });
  }

  it('a symlink or a directory under the sealed name is left alone, and so is the segment', async (t) => {
    const workspace = await makeWorkspace('tbot-seal-foreign-');
    t.after(() => workspace.remove());
    const lines = storedLines(5);
    await writeFile(join(workspace.dir, SEGMENT), `${lines.join('\n')}\n`, { mode: 0o600 });
    await writeFile(join(workspace.dir, 'elsewhere'), 'not ours\n');
    await symlink(join(workspace.dir, 'elsewhere'), join(workspace.dir, sealedName(SEGMENT)));
    const other = 'events-2026-11-19.ndjson';
    await writeFile(join(workspace.dir, other), `${lines[0]}\n`, { mode: 0o600 });
    await mkdir(join(workspace.dir, sealedName(other)));

    const run = await sealBefore(workspace.dir, '2026-11-21', DAY_AFTER);
    assert.deepEqual(run.sealed, []);
    assert.deepEqual(
      run.failed.map((failure) => [failure.segment, failure.error.name]),
      [
        [other, 'SealRefusedError'],
        [SEGMENT, 'SealRefusedError'],
      ],
    );
    assert.ok((await lstat(join(workspace.dir, sealedName(SEGMENT)))).isSymbolicLink());
    assert.equal(await readFile(join(workspace.dir, 'elsewhere'), 'utf8'), 'not ours\n');
    assert.equal(await readFile(join(workspace.dir, SEGMENT), 'utf8'), `${lines.join('\n')}\n`);
    assert.deepEqual(await readAll(workspace.dir), [lines[0], ...lines]);
  });

  it('a damaged gzip fails the read with the file named, not with a bare zlib error', async (t) => {
    const workspace = await makeWorkspace('tbot-seal-damaged-');
    t.after(() => workspace.remove());
    await writeFile(join(workspace.dir, SEGMENT), `${storedLines(500).join('\n')}\n`, { mode: 0o600 });
    await sealSegment(workspace.dir, SEGMENT);
    const path = join(workspace.dir, sealedName(SEGMENT));
    const whole = await readFile(path);
    await writeFile(path, whole.subarray(0, whole.length - 100));
    for (const blocking of [false, true])
      await assert.rejects(
        readAll(workspace.dir, blocking),
        (error: unknown) => error instanceof DamagedSegmentError && error.path === path && /cannot decompress/.test(error.message),
      );
  });

  it('the writer never appends to a closed day: a late line goes to the first open day, its received_at kept', async (t) => {
    const workspace = await makeWorkspace('tbot-seal-late-');
    t.after(() => workspace.remove());
    const late: [string, string][] = [];
    const store = new SegmentStore(workspace.dir, { onLateLines: (day, segment) => late.push([day, segment]) });
    await store.open();
    const event = (id: string) => tbotEvent({}, { distinctId: id, timestamp: '2026-11-20T10:00:00.000Z' });
    await store.append({ received_at: '2026-11-20T23:59:59.900Z', family: 'tbot', event: event('before') });
    await store.closeDaysBefore('2026-11-21');
    await sealSegment(workspace.dir, SEGMENT);
    const sealedBytes = await readFile(join(workspace.dir, sealedName(SEGMENT)));
    // The clock went back: a line arrives for the sealed day.
    await store.append({ received_at: '2026-11-20T23:59:59.950Z', family: 'tbot', event: event('late') });
    await store.append({ received_at: '2026-11-20T23:59:59.990Z', family: 'tbot', event: event('later') });
    await store.close();
    assert.deepEqual(late, [['2026-11-20', 'events-2026-11-21.ndjson']]);
    assert.deepEqual(await readFile(join(workspace.dir, sealedName(SEGMENT))), sealedBytes);
    assert.deepEqual((await readdir(workspace.dir)).sort(), ['events-2026-11-20.ndjson.gz', 'events-2026-11-21.ndjson']);
    const stored = (await readAll(workspace.dir)).map((line) => JSON.parse(line) as { received_at: string; event: { distinctId: string } });
    assert.deepEqual(
      stored.map((record) => [record.event.distinctId, record.received_at]),
      [
        ['before', '2026-11-20T23:59:59.900Z'],
        ['late', '2026-11-20T23:59:59.950Z'],
        ['later', '2026-11-20T23:59:59.990Z'],
      ],
    );
  });

  it('a day is due for sealing only once it has been over for the grace period', () => {
    assert.equal(firstOpenDay(new Date('2026-11-21T00:59:59.999Z')), '2026-11-20');
    assert.equal(firstOpenDay(new Date('2026-11-21T01:00:00.000Z')), '2026-11-21');
  });
});
