/**
 * The billing report against a known truth, end to end: the auth-usage example (a simulated
 * cluster whose auth servers report through the library's usage submitter, over mutual TLS with a
 * tenant certificate from `tbot-collector tenant add`) prints the true figures of the history it
 * generated; `tbot-collector report usage --format json` over what the built collector stored
 * must equal them exactly. The history is sent across a collector restart (the second half is
 * spooled while the collector is down and resent after), the same spool is resent twice, two auth
 * servers report overlapping windows, and the history crosses a month boundary.
 */
import assert from 'node:assert/strict';
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { UsageSummary } from '../../src/collector/report/usage/format.js';
import type { StoredUsageReport } from '../../src/protocol/usage-wire.js';
import { everyStoredByte, runCollector, startCollector, storedLines, type RunningCollector } from '../helpers/collector-process.js';
import { runExample } from '../helpers/example-app.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** A day across the end of November (the restart cuts it at 00:07:30 on the 1st), so the last windows of the month close in December. */
const HISTORY = ['--start', '2026-11-30T12:00:00Z', '--days', '1', '--seed', '7', '--humans', '12', '--bots', '4', '--resources', '14', '--auth-servers', '2'];
const WINDOW = ['--since', '2026-11-01', '--until', '2027-01-01'];
/** Names the simulator gives its users, bots, resources, cluster and auth servers: never on disk in clear. */
const CANARIES = ['user-0', 'robot-', 'node-1', 'db_server-', 'sim.example.com', 'auth-1', 'spiffe://'];

function assertNoClearName(where: string, text: string): void {
  assert.ok(text.length > 1000, `${where}: positive control`);
  for (const canary of CANARIES) assert.ok(!text.includes(canary), `${canary} found in ${where}`);
}

/**
 * The report's JSON without its summary strip: the strip compares with the period before, which
 * the simulator's history does not reach, and its figures are the rows' own (checked below).
 */
async function usageReport(dataDir: string): Promise<{ report: UsageSummary; strip: { figures: { key: string; value: number | null }[] } }> {
  const run = await runCollector(['report', 'usage', '--data-dir', dataDir, ...WINDOW, '--format', 'json'], {}, 30_000);
  assert.equal(run.code, 0, run.stderr);
  const { summary, ...report } = JSON.parse(run.stdout) as UsageSummary & { summary: { figures: { key: string; value: number | null }[] } };
  return { report: report as UsageSummary, strip: summary };
}

/** The truth of a whole history, with the report counts of every run that sent part of it. */
function expected(truth: UsageSummary, runs: readonly UsageSummary[]): UsageSummary {
  const made = (month: string): number => runs.reduce((sum, run) => sum + (run.rows.find((row) => row.month === month)?.reports ?? 0), 0);
  const rows = truth.rows.map((row) => ({ ...row, reports: made(row.month) }));
  const totals = truth.totals.map((row) => ({ ...row, reports: made(row.month) }));
  return { ...truth, rows, totals, reports: rows.reduce((sum, row) => sum + row.reports, 0) };
}

describe('report usage equals the auth-usage simulator’s truth', () => {
  let workspace: Workspace;
  let dataDir: string;
  let tenantFiles: string[];
  let collector: RunningCollector | undefined;

  before(async () => {
    workspace = await makeWorkspace('tbot-usage-truth-');
    dataDir = join(workspace.dir, 'data');
    const out = join(workspace.dir, 'acme');
    const added = await runCollector(['tenant', 'add', 'acme', '--data-dir', dataDir, '--out', out]);
    assert.equal(added.code, 0, added.stderr);
    tenantFiles = ['--ca', join(out, 'ca.crt'), '--cert', join(out, 'acme.crt'), '--key', join(out, 'acme.key')];
  });
  after(async () => {
    await collector?.stop();
    await workspace.remove();
  });

  it('across a collector restart, a spool resent twice, two auth servers and a month boundary: nothing lost, nothing counted twice', async () => {
    const spool = join(workspace.dir, 'spool');
    const args = (url: string, ...more: string[]): string[] => ['--endpoint', url, ...tenantFiles, '--spool', spool, '--tenant', 'acme', ...HISTORY, ...more];
    collector = await startCollector(dataDir, ['--tls']);

    // The first half, sent while the collector is up.
    const first = await runExample('auth-usage', args(collector.url, '--part', '1/2'));
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /auth-1: (\d+) reports made, \1 sent, 0 left in the spool/);
    const truth = JSON.parse(first.stdout) as UsageSummary;

    // The second half while it is down: every report stays in the spool, exit 3 says so.
    const downUrl = collector.url;
    assert.equal(await collector.stop(), 0);
    collector = undefined;
    const second = await runExample('auth-usage', args(downUrl, '--part', '2/2'));
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.stderr, /auth-2: (\d+) reports made, 0 sent, \1 left in the spool/);
    const secondTruth = JSON.parse(second.stdout) as UsageSummary;
    assert.deepEqual({ ...secondTruth, rows: [], totals: [], reports: 0 }, { ...truth, rows: [], totals: [], reports: 0 }, 'every run prints the truth of the whole history');
    const spooled = (await readdir(join(spool, 'auth-1'))).length + (await readdir(join(spool, 'auth-2'))).length;
    assert.equal(spooled, secondTruth.reports);
    assertNoClearName('the spool', await everyStoredByte(spool));
    // A copy of the spool, to resend the same reports a second time.
    await cp(spool, join(workspace.dir, 'spool-copy'), { recursive: true });

    // The collector is back (same data, a new port): the spool goes, then its copy again.
    collector = await startCollector(dataDir, ['--tls']);
    const resent = await runExample('auth-usage', args(collector.url, '--resend-only'));
    assert.equal(resent.code, 0, resent.stderr);
    assert.deepEqual(await readdir(join(spool, 'auth-1')), []);
    assert.deepEqual(await readdir(join(spool, 'auth-2')), []);
    const again = await runExample('auth-usage', ['--endpoint', collector.url, ...tenantFiles, '--spool', join(workspace.dir, 'spool-copy'), ...HISTORY, '--resend-only']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /auth-1: 0 reports made, [1-9]\d* sent, 0 left in the spool/);

    const { report, strip } = await usageReport(dataDir);
    // The strip's MAU is the latest month's, from the same rows.
    const latest = report.totals.at(-1);
    assert.equal(strip.figures.find((figure) => figure.key === 'mau')?.value, latest?.mau);
    assertNoClearName('the collector data', await everyStoredByte(dataDir));
    const want = expected(truth, [truth, secondTruth]);
    assert.deepEqual(report, want);
    assert.equal(report.repeats, 0, 'the store kept each (tenant, report_uuid) once');

    // The test proves something only if the history has all of this in it.
    assert.deepEqual(
      report.rows.map((row) => row.month),
      ['2026-11', '2026-12'],
    );
    const [november, december] = report.rows as [UsageSummary['rows'][number], UsageSummary['rows'][number]];
    for (const row of [november, december]) {
      assert.ok(row.mau_human > 0 && row.mau_bot > 0 && row.bot_instances > 0, JSON.stringify(row));
      assert.ok(row.counters.logins > 0 && row.counters.sessions_ssh > 0 && row.counters.svids_issued > 0 && row.counters.bot_joins > 0, JSON.stringify(row.counters));
      assert.ok(Object.keys(row.resources).length >= 5, JSON.stringify(row.resources));
    }
    const stored = (await storedLines(dataDir)).map((line) => JSON.parse(line) as { family: string; event: StoredUsageReport }).filter((line) => line.family === 'usage');
    assert.equal(stored.length, want.reports, 'one stored line per report: the resends stored nothing new');
    const hosts = new Set(stored.map((line) => line.event.reporter_hostid));
    assert.equal(hosts.size, 2, 'two auth servers reported');
    // Both auth servers reported the last quarter-hour of November, which ends in December.
    const lastWindow = stored.filter((line) => line.event.start_time === '2026-11-30T23:45:00.000Z' && line.event.kind === 'user_activity');
    assert.equal(new Set(lastWindow.map((line) => line.event.reporter_hostid)).size, 2);
    // The restart cut a window: its two halves are two reports of one window from one auth server.
    const cut = stored.filter((line) => line.event.start_time === '2026-12-01T00:00:00.000Z' && line.event.kind === 'user_activity');
    assert.ok(cut.length >= 2, `${cut.length} reports of the window the restart cut`);
  });
});
