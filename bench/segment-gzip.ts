/**
 * Sealed (gzipped) segments beside plain ones, in one run: 1,000,000 stored events of the three
 * report families (bench/usage-store.ts, a third each, 30 days), each line given its uuid as the
 * store writes it today, kept once as plain NDJSON and once sealed by the collector's own
 * sealSegment. Prints
 *   the size of each form and the ratio                          goal: plain ÷ sealed ≥ 8
 *   the time to seal them
 *   where the sealed bytes go, per event, over the first 3 segments: the uuid column alone, the
 *   lines without their uuid, the same in arrival order, and brotli for scale
 *   report tbot / connect / discover over each form, taking turns (BENCH_RUNS rounds after one
 *   warm-up), medians and the ratio sealed ÷ plain                 goal ≤ 1.3
 *   beside them, the same segments gzipped as one stream each (how collectors sealed before gzip
 *   members; read by the inflate stream): its size, and the reports over it
 * with the load average before and after. Needs `node build.mjs` first; writes about 0.7 GB into
 * a temporary directory it removes.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { constants as zlib, brotliCompressSync, createGzip, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { eventUuid } from '../src/collector/store/event-identity.js';
import { sealSegment } from '../src/collector/store/seal.js';
import { listSegments, SegmentReader, sealedName } from '../src/collector/store/segments.js';
import { type Candidate, measure, median, ratio, runsFromEnv } from './measure.js';
import { writeUsageStore } from './usage-store.js';

const EVENTS = 1_000_000;
const CLI = fileURLToPath(new URL('../dist/tbot-collector.mjs', import.meta.url));
const load = (): string =>
  `${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')} (${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores)`;

/** Copies a segment, adding to each line the uuid the store now writes in it (the last key). */
async function copyWithUuids(from: string, to: string, segment: string): Promise<void> {
  const out = createWriteStream(join(to, segment), { mode: 0o600 });
  for await (const line of new SegmentReader(from).lines(segment)) {
    const record = JSON.parse(line) as { family: string; event: unknown };
    if (!out.write(`${line.slice(0, -1)},"uuid":"${eventUuid(record.family, record.event)}"}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error) => (error ? reject(error) : resolve())));
}

/**
 * What gzip leaves of each part of the lines, in bytes per event, over the given plain segments
 * (each compressed on its own, at the sealing level): the whole lines, the uuid column alone, the
 * lines without their uuid, the same in arrival order (the generator writes a day's lines in random
 * time order; a collector appends them as they arrive), and brotli of the whole lines for scale.
 * It shows whether any change short of dropping the uuid could reach 8× with gzip.
 */
function whereBytesGo(dir: string, segments: string[]): void {
  const parts = { plain: 0, whole: 0, uuids: 0, withoutUuid: 0, arrivalWithoutUuid: 0, brotli: 0 };
  let events = 0;
  const gzip = (text: string): number => gzipSync(text, { level: 6 }).length;
  for (const segment of segments) {
    const lines = readFileSync(join(dir, segment), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    events += lines.length;
    const text = `${lines.join('\n')}\n`;
    parts.plain += Buffer.byteLength(text);
    parts.whole += gzip(text);
    parts.brotli += brotliCompressSync(text, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: text.length } }).length;
    parts.uuids += gzip(lines.map((line) => line.slice(-38, -2)).join('\n'));
    const withoutUuid = lines.map((line) => `${line.slice(0, -47)}}`);
    parts.withoutUuid += gzip(`${withoutUuid.join('\n')}\n`);
    const byArrival = [...withoutUuid].sort((a, b) => (a.slice(16, 40) < b.slice(16, 40) ? -1 : a.slice(16, 40) > b.slice(16, 40) ? 1 : 0));
    parts.arrivalWithoutUuid += gzip(`${byArrival.join('\n')}\n`);
  }
  const per = (bytes: number): string => `${(bytes / events).toFixed(1)} B`;
  console.log(`where the bytes go, per event, over ${events.toLocaleString('en')} events (${segments.length} segments, each gzipped on its own at level 6):`);
  console.log(`  plain line ${per(parts.plain)}; at 8× a sealed event may take ${per(parts.plain / 8)}`);
  console.log(
    `  gzip: whole lines ${per(parts.whole)} (${ratio(parts.plain, parts.whole)}), the uuid column alone ${per(parts.uuids)}, the lines without their uuid ${per(parts.withoutUuid)} (${per(parts.arrivalWithoutUuid)} in arrival order)`,
  );
  console.log(`  brotli (quality 9) of the whole lines, for scale: ${per(parts.brotli)} (${ratio(parts.plain, parts.brotli)})`);
}

/** A plain segment gzipped as one stream at the sealing level, as collectors sealed before gzip members. */
async function gzipAsOneStream(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createGzip({ level: 6 }), createWriteStream(to, { mode: 0o600 }));
}

async function bytesOf(dir: string, names: string[]): Promise<number> {
  let total = 0;
  for (const name of names) total += (await stat(join(dir, name))).size;
  return total;
}

const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-gzip-'));
try {
  const generated = join(scratch, 'generated');
  const plainDir = join(scratch, 'plain');
  const sealedDir = join(scratch, 'sealed');
  const streamDir = join(scratch, 'stream');
  let started = performance.now();
  await writeUsageStore(generated, EVENTS, { tbot: 1, connect: 1, discover: 1 });
  const segments = await listSegments(generated);
  await mkdir(plainDir, { mode: 0o700 });
  await mkdir(sealedDir, { mode: 0o700 });
  await mkdir(streamDir, { mode: 0o700 });
  for (const segment of segments) {
    await copyWithUuids(generated, plainDir, segment);
    await copyWithUuids(generated, sealedDir, segment);
  }
  await rm(generated, { recursive: true });
  console.log(`store: ${EVENTS.toLocaleString('en')} events in ${segments.length} daily segments, written in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  started = performance.now();
  for (const segment of segments) await sealSegment(sealedDir, segment);
  const sealSeconds = (performance.now() - started) / 1000;
  const plainBytes = await bytesOf(plainDir, segments);
  const sealedBytes = await bytesOf(sealedDir, segments.map(sealedName));
  console.log(`sealing the ${segments.length} segments (one thread, gzip level 6): ${sealSeconds.toFixed(1)} s`);
  console.log(`size: plain ${(plainBytes / 1e6).toFixed(0)} MB, sealed ${(sealedBytes / 1e6).toFixed(1)} MB: ${ratio(plainBytes, sealedBytes)} smaller (goal ≥ 8×)`);
  for (const segment of segments) await gzipAsOneStream(join(plainDir, segment), join(streamDir, sealedName(segment)));
  const streamBytes = await bytesOf(streamDir, segments.map(sealedName));
  console.log(`  as one gzip stream each (how collectors before members sealed): ${(streamBytes / 1e6).toFixed(1)} MB: ${ratio(plainBytes, streamBytes)} smaller`);
  whereBytesGo(plainDir, segments.slice(0, 3));

  console.log(`load average before the reports: ${load()}`);
  const runs = runsFromEnv(3);
  const env = { PATH: process.env['PATH'] ?? '' };
  const report = (family: string, form: string, dir: string): Candidate => ({
    name: `${family} ${form}`,
    command: process.execPath,
    args: [CLI, 'report', family, '--data-dir', dir, '--since', '31d', '--format', 'json'],
    env,
  });
  const families = ['tbot', 'connect', 'discover'];
  const candidates = families.flatMap((family) => [report(family, 'plain', plainDir), report(family, 'sealed', sealedDir), report(family, 'stream', streamDir)]);
  const times = await measure(candidates, runs, 1);
  console.log(`reports, ${runs} rounds after one warm-up, the three forms taking turns (medians):`);
  for (const family of families) {
    const plain = median(times.get(`${family} plain`)!);
    const sealed = median(times.get(`${family} sealed`)!);
    const stream = median(times.get(`${family} stream`)!);
    console.log(
      `  report ${family.padEnd(8)} plain ${(plain / 1000).toFixed(2)} s   sealed ${(sealed / 1000).toFixed(2)} s   sealed ÷ plain ${ratio(sealed, plain)} (goal ≤ 1.3×)   one stream ${(stream / 1000).toFixed(2)} s, ${ratio(stream, plain)}`,
    );
  }
  console.log(`load average after: ${load()}`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
