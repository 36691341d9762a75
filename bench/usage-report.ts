/**
 * The billing report at the size of the goal: 100 tenants × 30 days × 96 windows (15 minutes) ×
 * 20 users per window, as `user_activity` reports stored exactly as the collector stores them
 * (one real report from the SubmitUsageReports service is the template; only names, uuids and
 * times vary). Runs the built CLI (`report usage --month`) once with worker threads and once on
 * one thread, and prints each one's time and peak RSS beside a baseline in the same run: reading
 * the same segments and JSON.parse-ing every line on one thread, the floor any report over the
 * store pays. Goal: ≤ 10 s and ≤ 200 MB peak RSS.
 * Needs `node build.mjs` first. Writes about 3.7 GB into a temporary directory it removes, or,
 * with BENCH_USAGE_STORE=<dir>, into that directory once, kept and reused by later runs.
 * BENCH_BASELINE_DIST=<an earlier build's dist> runs that build's report beside this one's, in
 * turn, on the same store: the before/after of a change in one run. BENCH_USAGE_SINGLE_THREAD=0
 * leaves out the one-thread case.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anonymize } from '../src/protocol/anonymized.js';
import { eventUuid } from '../src/collector/store/event-identity.js';
import { segmentName } from '../src/collector/store/segments.js';
import { storedUsageLines } from '../test/helpers/usage-reports.js';

const TENANTS = 100;
const DAYS = 30;
const WINDOWS = 96;
const USERS_PER_WINDOW = 20;
/** Each tenant's users; a window's 20 rotate through them, so the month's MAU is the whole pool. */
const POOL = 40;
const MONTH = '2026-11';
const CLI = fileURLToPath(new URL('../dist/tbot-collector.mjs', import.meta.url));
const BASELINE_DIST = process.env['BENCH_BASELINE_DIST'];
const KEPT_STORE = process.env['BENCH_USAGE_STORE'];

/** One real stored line: the record layout (the fields it writes, the enums) is the service's own. */
const [template] = storedUsageLines(
  'template',
  [{ kind: 'user', id: 'template', host: 'auth-a', start: `${MONTH}-01T00:00:00Z`, users: [{ user: 'template', kind: 1, logins: 1, ssh: 2 }] }],
  new Date(),
);
const stored = JSON.parse(template!) as { event: { report: { records: Record<string, unknown>[] } } };
const recordTemplate = stored.event.report.records[0]!;

function tenantRecords(tenant: number): string[] {
  // The service leaves zero values out of what it stores, so a user without logins has no `logins`.
  const { logins: _logins, ...withoutLogins } = recordTemplate;
  return Array.from({ length: POOL }, (_, user) =>
    JSON.stringify({
      ...withoutLogins,
      user_name: anonymize(`tenant-${tenant}`, `user-${user}`),
      user_kind: user % 5 === 0 ? 'USER_KIND_BOT' : 'USER_KIND_HUMAN',
      ...(user % 3 === 0 ? {} : { logins: String(user % 3) }),
    }),
  );
}

const hex = (value: number, width: number): string => value.toString(16).padStart(width, '0');

async function writeStore(dir: string): Promise<number> {
  let bytes = 0;
  const records = Array.from({ length: TENANTS }, (_, tenant) => tenantRecords(tenant));
  const clusters = Array.from({ length: TENANTS }, (_, tenant) => anonymize(`tenant-${tenant}`, 'cluster'));
  const host = anonymize('bench', 'auth-a');
  for (let day = 0; day < DAYS; day += 1) {
    const dayStart = Date.parse(`${MONTH}-01T00:00:00Z`) + day * 86_400_000;
    const out = createWriteStream(join(dir, segmentName(new Date(dayStart + 3_600_000))));
    for (let window = 0; window < WINDOWS; window += 1) {
      const start = new Date(dayStart + window * 900_000).toISOString();
      const receivedAt = new Date(dayStart + window * 900_000 + 960_000).toISOString();
      let chunk = '';
      for (let tenant = 0; tenant < TENANTS; tenant += 1) {
        const serial = (day * WINDOWS + window) * TENANTS + tenant;
        const uuid = `${hex(serial, 8)}-0000-4000-8000-${hex(tenant, 12)}`;
        const offset = (day * WINDOWS + window) % POOL;
        const users = [...records[tenant]!, ...records[tenant]!].slice(offset, offset + USERS_PER_WINDOW);
        chunk +=
          `{"received_at":"${receivedAt}","family":"usage","event":{"tenant":"tenant-${tenant}","kind":"user_activity","report_uuid":"${uuid}","cluster_name":"${clusters[tenant]}",` +
          `"reporter_hostid":"${host}","start_time":"${start}","report":{"report_uuid":"${Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64')}","cluster_name":"${clusters[tenant]}",` +
          `"reporter_hostid":"${host}","start_time":"${start.replace('.000Z', 'Z')}","records":[${users.join(',')}]}},` +
          // The identity the store writes last on every line (the usage rule: tenant and report_uuid).
          `"uuid":"${eventUuid('usage', { tenant: `tenant-${tenant}`, report_uuid: uuid })}"}\n`;
      }
      bytes += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise((resolve, reject) => out.end((error?: Error) => (error ? reject(error) : resolve(undefined))));
  }
  return bytes;
}

/**
 * Elapsed seconds, CPU seconds (user + system, every thread) and peak RSS (MB) of one run, from GNU
 * time. On a shared machine the CPU seconds move least: elapsed time is whatever share of the
 * cores the run got.
 */
function timed(args: string[]): { seconds: number; cpuSeconds: number; peakMb: number; stdout: string } {
  const run = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`${args.join(' ')} failed: ${run.stderr}`);
  const [seconds, user, system, kb] = run.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds: seconds!, cpuSeconds: user! + system!, peakMb: kb! / 1024, stdout: run.stdout };
}

const PARSE_ONLY = `
const { createReadStream, readdirSync } = require('node:fs');
const { createInterface } = require('node:readline');
(async () => {
  let lines = 0;
  for (const name of readdirSync(process.argv[1]).sort()) {
    for await (const line of createInterface({ input: createReadStream(process.argv[1] + '/' + name), crlfDelay: Infinity })) { JSON.parse(line); lines += 1; }
  }
  console.log(lines);
})();`;

const dir = KEPT_STORE ?? (await mkdtemp(join(tmpdir(), 'tbot-bench-usage-')));
/** Marks a kept store as whole: a run stopped while writing leaves none, and the next one rewrites it. */
const complete = join(dir, 'complete');
try {
  if (KEPT_STORE === undefined || !existsSync(complete)) {
    await mkdir(dir, { recursive: true });
    const started = performance.now();
    const bytes = await writeStore(dir);
    if (KEPT_STORE !== undefined) await writeFile(complete, '');
    console.log(`store: ${TENANTS * DAYS * WINDOWS} reports, ${(bytes / 1e9).toFixed(2)} GB, written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } else console.log(`store: ${TENANTS * DAYS * WINDOWS} reports, kept in ${dir}`);
  console.log(
    `load average before: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')} (${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores)`,
  );
  const baseline = timed(['-e', PARSE_ONLY, dir]);
  console.log(
    `baseline (read + JSON.parse every line, one thread): ${baseline.seconds.toFixed(1)} s, ${baseline.cpuSeconds.toFixed(1)} CPU s, ${baseline.peakMb.toFixed(0)} MB peak RSS`,
  );
  const builds = [{ name: 'this build', cli: CLI }];
  if (BASELINE_DIST !== undefined) builds.push({ name: `the build in ${BASELINE_DIST}`, cli: join(BASELINE_DIST, 'tbot-collector.mjs') });
  const runs = [
    { label: `report usage --month ${MONTH} (worker threads: one per core, at most 4)`, extra: [] as string[] },
    { label: `report usage --month ${MONTH} --workers 1`, extra: ['--workers', '1'] },
  ].slice(0, process.env['BENCH_USAGE_SINGLE_THREAD'] === '0' ? 1 : 2);
  for (const { label, extra } of runs) {
    // The builds take turns on each case, so the load the machine is under hits both alike.
    const outputs = new Set<string>();
    for (const build of builds) {
      const report = timed([build.cli, 'report', 'usage', '--data-dir', dir, '--month', MONTH, '--format', 'csv', ...extra]);
      outputs.add(report.stdout);
      const rows = report.stdout.trim().split('\n').slice(1);
      const mau = rows.reduce((sum, row) => sum + Number(row.split(',')[2]), 0);
      console.log(
        `${build.name}, ${label}: ${report.seconds.toFixed(1)} s, ${report.cpuSeconds.toFixed(1)} CPU s, ${report.peakMb.toFixed(0)} MB peak RSS (goal ≤ 10 s, ≤ 200 MB); ${rows.length} tenant rows, MAU ${mau} (expected ${TENANTS * POOL})`,
      );
      console.log(
        `  ratio to baseline: ${(report.seconds / baseline.seconds).toFixed(2)}× the time, ${(report.cpuSeconds / baseline.cpuSeconds).toFixed(2)}× the CPU, ${(report.peakMb / baseline.peakMb).toFixed(2)}× the peak RSS`,
      );
    }
    if (builds.length > 1) console.log(`  the builds' CSV: ${outputs.size === 1 ? 'byte for byte the same' : 'DIFFERENT'}`);
  }
  console.log(
    `load average after: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
} finally {
  if (KEPT_STORE === undefined) await rm(dir, { recursive: true, force: true });
}
