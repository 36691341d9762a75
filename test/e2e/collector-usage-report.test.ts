/**
 * `tbot-collector report usage`, the built CLI, over a data dir of usage reports stored as the
 * collector stores them: two auth servers reporting the same windows, a report stored twice, a
 * window on each side of a month's edge. The figures are the data set's known truth, in table,
 * JSON and CSV, on one thread and on worker threads, for one month and one tenant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCollector } from '../helpers/collector-process.js';
import { storeUsageReports, type ReportSpec } from '../helpers/usage-reports.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const REPORTS: ReportSpec[] = [
  {
    kind: 'user',
    id: 'a1',
    host: 'auth-a',
    start: '2026-10-31T23:45:00Z',
    users: [
      { user: 'alice', kind: 1, logins: 1, ssh: 2 },
      { user: 'ci', kind: 2, botJoins: 2, certificates: 6 },
    ],
  },
  { kind: 'user', id: 'b1', host: 'auth-b', start: '2026-10-31T23:45:00Z', users: [{ user: 'alice', kind: 1, logins: 1, db: 1 }] },
  { kind: 'user', id: 'a2', host: 'auth-a', start: '2026-11-01T00:00:00Z', users: [{ user: 'alice', kind: 1, logins: 3 }] },
  { kind: 'bot', id: 'a3', host: 'auth-a', start: '2026-10-31T23:45:00Z', instances: ['ci-1', 'ci-2'] },
  { kind: 'resource', id: 'a4', host: 'auth-a', start: '2026-10-31T23:00:00Z', resources: [{ kind: 1, ids: [11n, 12n] }] },
  { kind: 'resource', id: 'b4', host: 'auth-b', start: '2026-10-31T23:00:00Z', resources: [{ kind: 1, ids: [12n, 13n] }] },
];

describe('report usage', () => {
  let workspace: Workspace;
  const usage = (...args: string[]) => runCollector(['report', 'usage', '--data-dir', workspace.dir, ...args]);

  before(async () => {
    workspace = await makeWorkspace('tbot-usage-report-');
    await storeUsageReports(workspace.dir, 'acme', REPORTS, new Date('2026-11-01T00:20:00Z'));
    await storeUsageReports(
      workspace.dir,
      'globex',
      [{ kind: 'user', id: 'g1', host: 'auth-g', start: '2026-10-15T12:00:00Z', cluster: 'globex', users: [{ user: 'gus', kind: 1, logins: 1 }] }],
      new Date('2026-10-15T12:20:00Z'),
    );
    // a1 again, a day later: stored twice, billed once.
    await storeUsageReports(workspace.dir, 'acme', [REPORTS[0]!], new Date('2026-11-02T00:20:00Z'));
  });
  after(() => workspace.remove());

  it('json: October by start_time, overlapping auth servers as unions and sums, the repeat once; worker threads agree', async () => {
    const one = await usage('--month', '2026-10', '--format', 'json', '--workers', '1');
    assert.equal(one.code, 0, one.stderr);
    const summary = JSON.parse(one.stdout);
    assert.equal(summary.repeats, 1);
    const acme = summary.rows.find((row: { tenant: string }) => row.tenant === 'acme');
    assert.equal(acme.month, '2026-10');
    assert.deepEqual([acme.mau, acme.mau_human, acme.mau_bot, acme.bot_instances], [2, 1, 1, 2]);
    assert.deepEqual([acme.counters.logins, acme.counters.sessions_ssh, acme.counters.sessions_db, acme.counters.bot_joins, acme.counters.certificates_issued], [2, 2, 1, 2, 6]);
    assert.deepEqual(acme.resources, { node: { distinct: 3, peak_hour_count: 3, peak_hour: '2026-10-31T23' } });
    assert.deepEqual(
      summary.totals.map((row: { month: string; mau: number }) => [row.month, row.mau]),
      [['2026-10', 3]],
    );
    const workers = await usage('--month', '2026-10', '--format', 'json', '--workers', '2');
    assert.deepEqual(JSON.parse(workers.stdout), summary);
  });

  it('table and csv: one row per tenant and month, the cross-tenant total in the table', async () => {
    const table = await usage('--since', '2026-10-01', '--until', '2026-12-01');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /: 2 tenants, 7 reports \(1 repeated copy counted once\)/);
    assert.match(table.stdout, /^acme +2026-10 +2 +1 +1 +0 +0 +0 +2 +2 +0 +1 /m);
    assert.match(table.stdout, /^acme +2026-11 +1 +1 +0 +0 +0 +0 +3 /m);
    assert.match(table.stdout, /^\(all tenants\) +2026-10 +3 /m);
    assert.match(table.stdout, /^acme +2026-10 +node +3 +3 +2026-10-31T23:00$/m);
    const csv = await usage('--month', '2026-11', '--tenant', 'acme', '--format', 'csv');
    const [head, row, end] = csv.stdout.split('\n');
    assert.match(head!, /^tenant,month,mau,mau_human,mau_bot,mau_unspecified,mau_other,logins,sessions_ssh,/);
    assert.match(row!, /^acme,2026-11,1,1,0,0,0,3,0,/);
    assert.equal(end, '');
    const html = await usage('--month', '2026-10', '--format', 'html');
    assert.match(html.stdout, /<table id="usage-activity">/);
    assert.match(html.stdout, /<td title="\(all tenants\)">\(all tenants\)<\/td><td title="2026-10">2026-10<\/td><td title="3">3<\/td>/);
  });

  it('refuses --month together with --since, naming both', async () => {
    const run = await usage('--month', '2026-10', '--since', '2026-10-01');
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /give either --month or --since\/--until/);
  });
});
