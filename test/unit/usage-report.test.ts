/**
 * The billing report's maths on a data set with a known truth: two auth servers reporting the
 * same windows (distinct counts are unions, counters add), a report stored twice (counted once,
 * also when the copies are folded by different workers), a window at a month's edge, user kinds
 * that disagree between sightings, resources with their busiest hour, and the tenant filter. The
 * reports go through the real SubmitUsageReports service into real segments.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { monthWindow } from '../../src/collector/cli/report/usage.js';
import { buildReport, scan } from '../../src/collector/report/fold.js';
import { packUuid, usageFold } from '../../src/collector/report/usage/fold.js';
import { ALL_TENANTS, formatUsageCsv, summarizeUsage, USAGE_CSV_COLUMNS, type UsageRow } from '../../src/collector/report/usage/format.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { UsageError } from '../../src/errors.js';
import { storedUsageLines, storeUsageReports, type ReportSpec } from '../helpers/usage-reports.js';
import { makeWorkspace } from '../helpers/workspace.js';

const HUMAN = 1;
const BOT = 2;
const SYSTEM = 3;
const NODE = 1;
const KUBE = 3;

const ACME: ReportSpec[] = [
  // 10 Nov, 10:00: both auth servers saw alice; each counts only its own events.
  {
    kind: 'user',
    id: 'r1',
    host: 'auth-a',
    start: '2026-11-10T10:00:00Z',
    users: [
      { user: 'alice', kind: HUMAN, logins: 2, ssh: 3 },
      { user: 'bob', kind: BOT, certificates: 5, botJoins: 1, svids: 4 },
    ],
  },
  {
    kind: 'user',
    id: 'r2',
    host: 'auth-b',
    start: '2026-11-10T10:00:00Z',
    users: [
      { user: 'alice', kind: HUMAN, logins: 1, kube: 2 },
      { user: 'carol', db: 1 },
    ],
  },
  // An older node left alice's kind unspecified: she stays human.
  {
    kind: 'user',
    id: 'r3',
    host: 'auth-a',
    start: '2026-11-20T10:15:00Z',
    users: [
      { user: 'alice', app: 1 },
      { user: 'dave', kind: HUMAN, desktop: 2, appTcp: 1 },
      // A system component, and a kind newer than the contract.
      { user: 'okta-service', kind: SYSTEM, linuxDesktop: 3 },
      { user: 'newer', kind: 7 },
    ],
  },
  // The month's edge: the last window of November, and the first of December.
  { kind: 'user', id: 'r4', host: 'auth-a', start: '2026-11-30T23:45:00Z', users: [{ user: 'erin', kind: HUMAN, logins: 1 }] },
  { kind: 'user', id: 'r5', host: 'auth-a', start: '2026-12-01T00:00:00Z', users: [{ user: 'alice', kind: HUMAN, logins: 7 }] },
  { kind: 'bot', id: 'b1', host: 'auth-a', start: '2026-11-10T10:00:00Z', instances: ['i1', 'i2'] },
  { kind: 'bot', id: 'b2', host: 'auth-b', start: '2026-11-10T10:00:00Z', instances: ['i2', 'i3'] },
  { kind: 'resource', id: 'p1', host: 'auth-a', start: '2026-11-10T10:00:00Z', resources: [{ kind: NODE, ids: [1n, 2n, 3n] }] },
  { kind: 'resource', id: 'p2', host: 'auth-b', start: '2026-11-10T10:00:00Z', resources: [{ kind: NODE, ids: [3n, 4n] }] },
  { kind: 'resource', id: 'p3', host: 'auth-a', start: '2026-11-10T11:00:00Z', resources: [{ kind: NODE, ids: [1n, 5n] }] },
  {
    kind: 'resource',
    id: 'p4',
    host: 'auth-a',
    start: '2026-11-11T00:00:00Z',
    resources: [
      { kind: NODE, ids: [6n] },
      { kind: KUBE, ids: [9n] },
      { kind: 99, ids: [7n] },
    ],
  },
];
const GLOBEX: ReportSpec[] = [{ kind: 'user', id: 'g1', host: 'auth-g', start: '2026-11-15T08:00:00Z', cluster: 'globex-prod', users: [{ user: 'zed', kind: HUMAN, logins: 1 }] }];

const FIRST_ARRIVAL = new Date('2026-12-01T01:00:00Z');
const RETRY_ARRIVAL = new Date('2026-12-02T01:00:00Z');
const WINDOW = { since: '2026-11-01T00:00:00.000Z', until: '2027-01-01T00:00:00.000Z' };

async function knownStore(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const workspace = await makeWorkspace('tbot-usage-unit-');
  await storeUsageReports(workspace.dir, 'acme', ACME, FIRST_ARRIVAL);
  await storeUsageReports(workspace.dir, 'globex', GLOBEX, FIRST_ARRIVAL);
  // r1 stored again a day later (two lines on disk, e.g. after the store's index forgot it).
  await storeUsageReports(workspace.dir, 'acme', [ACME[0]!], RETRY_ARRIVAL);
  return workspace;
}

const rowOf = (rows: UsageRow[], tenant: string, month: string): UsageRow => rows.find((row) => row.tenant === tenant && row.month === month)!;

describe('usage report maths', () => {
  it('gives the known MAU by kind, summed counters, bot instances and resources, each report once', async () => {
    const store = await knownStore();
    try {
      const summary = summarizeUsage(await buildReport(usageFold, 'usage', store.dir, WINDOW, {}));
      assert.equal(summary.repeats, 1);
      assert.equal(summary.skipped, 0);
      const november = rowOf(summary.rows, 'acme', '2026-11');
      assert.deepEqual(
        {
          mau: november.mau,
          human: november.mau_human,
          bot: november.mau_bot,
          system: november.mau_system,
          unspecified: november.mau_unspecified,
          other: november.mau_other,
        },
        { mau: 7, human: 3, bot: 1, system: 1, unspecified: 1, other: 1 },
      );
      assert.deepEqual(november.counters, {
        logins: 4,
        sessions_ssh: 3,
        sessions_kube: 2,
        sessions_db: 1,
        sessions_app: 1,
        sessions_app_tcp: 1,
        sessions_desktop: 2,
        svids_issued: 4,
        certificates_issued: 5,
        bot_joins: 1,
        sessions_linux_desktop: 3,
      });
      assert.equal(november.bot_instances, 3);
      assert.equal(november.reports, 10);
      assert.deepEqual(november.resources, {
        node: { distinct: 6, peak_hour_count: 4, peak_hour: '2026-11-10T10' },
        kube_server: { distinct: 1, peak_hour_count: 1, peak_hour: '2026-11-11T00' },
        'kind 99': { distinct: 1, peak_hour_count: 1, peak_hour: '2026-11-11T00' },
      });
      // December holds only the window that starts at its first instant.
      const december = rowOf(summary.rows, 'acme', '2026-12');
      assert.equal(december.mau, 1);
      assert.equal(december.counters.logins, 7);
      // The cross-tenant row of November: globex's zed is one more user and one more login.
      const total = rowOf(summary.totals, ALL_TENANTS, '2026-11');
      assert.equal(total.mau, 8);
      assert.equal(total.counters.logins, 5);
      assert.deepEqual(total.resources['node'], { distinct: 6, peak_hour_count: 4, peak_hour: '2026-11-10T10' });
    } finally {
      await store.remove();
    }
  });

  it('counts a repeated report once when its copies are folded by different workers', async () => {
    const store = await knownStore();
    try {
      const merged = usageFold.empty(WINDOW, {});
      for (const at of [FIRST_ARRIVAL, RETRY_ARRIVAL]) {
        // structuredClone: a worker's tally arrives through postMessage.
        const [part] = await scan(usageFold, { dir: store.dir, segments: [segmentName(at)], windows: [WINDOW], family: 'usage', options: {} });
        usageFold.merge(merged, structuredClone(part!));
      }
      const whole = summarizeUsage(await buildReport(usageFold, 'usage', store.dir, WINDOW, {}));
      assert.deepEqual(summarizeUsage(merged), whole);
      assert.equal(rowOf(whole.rows, 'acme', '2026-11').counters.logins, 4);
      // As a worker sends them: keys packed into buffers (transfer), and a packed part beside a plain one.
      for (const packedParts of [
        [true, true],
        [true, false],
        [false, true],
      ]) {
        const tally = usageFold.empty(WINDOW, {});
        for (const [index, at] of [FIRST_ARRIVAL, RETRY_ARRIVAL].entries()) {
          const [part] = await scan(usageFold, { dir: store.dir, segments: [segmentName(at)], windows: [WINDOW], family: 'usage', options: {} });
          const buffers = packedParts[index] ? usageFold.transfer!(part!) : [];
          usageFold.merge(tally, structuredClone(part!, { transfer: buffers }));
        }
        assert.deepEqual(summarizeUsage(tally), whole, `packed: ${packedParts.join(', ')}`);
        assert.equal(tally.repeats, merged.repeats);
        assert.equal(tally.packed?.length, packedParts.filter(Boolean).length, 'the packed parts kept their keys packed');
      }
    } finally {
      await store.remove();
    }
  });

  it('puts a report in the month of its start_time, and keeps to the window and the tenant asked for', async () => {
    const store = await knownStore();
    try {
      const november = summarizeUsage(await buildReport(usageFold, 'usage', store.dir, monthWindow('2026-11'), { tenant: 'acme' }));
      assert.deepEqual(
        november.rows.map((row) => [row.tenant, row.month, row.mau, row.counters.logins]),
        [['acme', '2026-11', 7, 4]],
      );
      const csv = formatUsageCsv(november).split('\n');
      assert.equal(csv[0], USAGE_CSV_COLUMNS.join(','));
      // The columns as first published keep their places; the newer ones come last.
      assert.equal(
        csv[0],
        'tenant,month,mau,mau_human,mau_bot,mau_unspecified,mau_other,logins,sessions_ssh,sessions_kube,sessions_db,sessions_app,sessions_app_tcp,sessions_desktop,svids_issued,certificates_issued,bot_joins,bot_instances,resources_node,resources_node_peak_hour,resources_app_server,resources_app_server_peak_hour,resources_kube_server,resources_kube_server_peak_hour,resources_db_server,resources_db_server_peak_hour,resources_windows_desktop,resources_windows_desktop_peak_hour,resources_node_openssh,resources_node_openssh_peak_hour,resources_node_openssh_ec2_ice,resources_node_openssh_ec2_ice_peak_hour,resources_other,resources_other_peak_hour,mau_system,sessions_linux_desktop',
      );
      assert.equal(csv[1], 'acme,2026-11,7,3,1,1,1,4,3,2,1,1,1,2,4,5,1,3,6,4,0,0,1,1,0,0,0,0,0,0,0,0,1,1,1,3');
    } finally {
      await store.remove();
    }
  });

  it('skips a stored report whose re-checked fields are damaged, and counts the skip', async () => {
    const store = await knownStore();
    try {
      const [line] = storedUsageLines(
        'acme',
        [{ kind: 'user', id: 'bad', host: 'auth-a', start: '2026-11-12T10:00:00Z', users: [{ user: 'mallory', kind: HUMAN, logins: 50 }] }],
        FIRST_ARRIVAL,
      );
      const damaged = JSON.parse(line!);
      damaged.event.report.records[0].user_name = 'mallory';
      await appendFile(join(store.dir, segmentName(FIRST_ARRIVAL)), `${JSON.stringify(damaged)}\n`);
      const summary = summarizeUsage(await buildReport(usageFold, 'usage', store.dir, WINDOW, {}));
      assert.equal(summary.skipped, 1);
      assert.deepEqual([rowOf(summary.rows, 'acme', '2026-11').mau, rowOf(summary.rows, 'acme', '2026-11').counters.logins], [7, 4]);
    } finally {
      await store.remove();
    }
  });

  it('packs a report_uuid into 8 code units that give back all 128 bits', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 2000; index += 1) {
      const uuid = index === 0 ? 'ffffffff-ffff-ffff-ffff-ffffffffffff' : index === 1 ? '00000000-0000-0000-0000-000000000000' : randomUUID();
      const packed = packUuid(uuid);
      assert.equal(packed.length, 8);
      // Code units one by one: a spread would join surrogate pairs into code points.
      const back = Array.from({ length: packed.length }, (_, at) => packed.charCodeAt(at).toString(16).padStart(4, '0')).join('');
      assert.equal(back, uuid.replaceAll('-', ''));
      seen.add(packed);
    }
    assert.equal(seen.size, 2000);
  });

  it('--month takes a calendar month in UTC, and refuses anything else by name', () => {
    assert.deepEqual(monthWindow('2026-02'), { since: '2026-02-01T00:00:00.000Z', until: '2026-03-01T00:00:00.000Z' });
    assert.deepEqual(monthWindow('2026-12'), { since: '2026-12-01T00:00:00.000Z', until: '2027-01-01T00:00:00.000Z' });
    assert.throws(
      () => monthWindow('2026-13'),
      (error: unknown) => error instanceof UsageError && /--month "2026-13": expected a month as YYYY-MM/.test(error.message),
    );
  });
});
