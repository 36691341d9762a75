import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { counted } from '../../src/collector/report/counted.js';
import { buildReport } from '../../src/collector/report/fold.js';
import { niceTicks } from '../../src/collector/report/html-kit.js';
import { tbotFold, type TbotFilters, type TbotReport } from '../../src/collector/report/tbot/fold.js';
import { formatCsv, formatTable, weeklyTable } from '../../src/collector/report/tbot/format.js';
import { change, eventSecond, humanWindow, parseWhen, weekOf } from '../../src/collector/report/window.js';
import type { StoredRecord } from '../../src/collector/store/record.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { makeWorkspace } from '../helpers/workspace.js';

const START = {
  runMode: 'RUN_MODE_ONE_SHOT',
  version: '1.0.0',
  joinType: 'iam',
  destinationsOther: 1,
  destinationsDatabase: 0,
  destinationsKubernetes: 0,
  destinationsApplication: 0,
};

function stored(receivedAt: string, start: Record<string, unknown> = {}, timestamp: string | undefined = receivedAt): StoredRecord {
  return { received_at: receivedAt, family: 'tbot', event: { distinctId: crypto.randomUUID(), ...(timestamp === undefined ? {} : { timestamp }), start: { ...START, ...start } } };
}

function fold(records: StoredRecord[], window = { since: '2026-02-01T00:00:00.000Z', until: '2026-04-01T00:00:00.000Z' }, filters: TbotFilters = {}): TbotReport {
  const report = tbotFold.empty(window, filters);
  for (const record of records) tbotFold.add(report, record);
  return report;
}

describe('report aggregation', () => {
  it('counts events in the window across segments, and skips damaged lines without counting them', async () => {
    const workspace = await makeWorkspace('tbot-report-unit-');
    try {
      const now = Date.now();
      for (let day = 0; day < 5; day += 1) {
        const at = new Date(now - day * 86_400_000);
        const lines = Array.from({ length: 10 + day }, (_, i) =>
          JSON.stringify(stored(at.toISOString(), { runMode: i % 2 ? 'RUN_MODE_DAEMON' : 'RUN_MODE_ONE_SHOT', destinationsDatabase: i % 3 })),
        );
        await writeFile(join(workspace.dir, segmentName(at)), `${lines.join('\n')}\n${day === 2 ? '{"received_at": garbage\n' : ''}`);
      }
      const window = (daysBack: number) => ({ since: new Date(now - daysBack * 86_400_000).toISOString(), until: new Date(now + 1).toISOString() });
      // Without a worker script (under tsx) the report runs on one thread;
      // test/e2e/collector-report.test.ts compares that with worker threads through the bundle.
      const report = await buildReport(tbotFold, 'tbot', workspace.dir, window(10), {});
      assert.equal(report.total, 60);
      assert.equal(report.skipped, 1);
      assert.deepEqual({ ...report.breakdowns.run_mode }, { 'one-shot': 31, continuous: 29 });
      const narrow = await buildReport(tbotFold, 'tbot', workspace.dir, window(1.5), {});
      assert.equal(narrow.total, 10 + 11);
    } finally {
      await workspace.remove();
    }
  });

  it("puts a start on the day of its own timestamp, clamped to its arrival when the sender's clock runs ahead", () => {
    const report = fold([
      stored('2026-03-04T10:00:00.000Z', {}, '2026-03-02T23:59:59.000Z'), // back-dated: counted on the 2nd
      stored('2026-03-04T23:30:00.000Z', {}, '2026-03-05T20:00:00.000Z'), // 20 h ahead: clamped to the 4th
      stored('2026-03-04T10:00:00.000Z', {}, '2026-03-04T12:00:00+02:00'), // an offset stored by an older collector
      stored('2026-03-04T10:00:00.000Z', {}, undefined),
    ]);
    assert.deepEqual(Object.fromEntries(Object.entries(report.perDay).map(([day, modes]) => [day, modes['one-shot']])), { '2026-03-02': 1, '2026-03-04': 3 });
    assert.equal(eventSecond('2026-03-04T12:00:00+02:00', '2026-03-04T10:00:00.000Z'), '2026-03-04T10:00:00');
  });

  it('keeps only starts whose own time is inside [since, until)', () => {
    const window = { since: '2026-03-02T00:00:00.000Z', until: '2026-03-04T00:00:00.000Z' };
    const report = fold(
      [
        stored('2026-03-02T00:00:00.000Z'),
        stored('2026-03-03T23:59:59.000Z'),
        stored('2026-03-04T00:00:00.000Z'),
        stored('2026-03-05T00:00:00.000Z', {}, '2026-03-01T23:59:59.000Z'),
      ],
      window,
    );
    assert.equal(report.total, 2);
  });

  it('filters by run mode, version and helper, and reports RUN_MODE_UNSPECIFIED as unspecified', () => {
    const records = [
      stored('2026-03-04T10:00:00.000Z', { runMode: 'RUN_MODE_UNSPECIFIED', joinType: '' }),
      stored('2026-03-04T10:00:00.000Z', { runMode: 'RUN_MODE_DAEMON', version: '18.1.0', helper: 'gha:teleport-actions/auth', helperVersion: '1.2.0' }),
      stored('2026-03-04T10:00:00.000Z', { helper: 'gha:teleport-actions/auth', helperVersion: '1.3.0' }),
    ];
    const all = fold(records);
    assert.deepEqual({ ...all.breakdowns.run_mode }, { unspecified: 1, continuous: 1, 'one-shot': 1 });
    assert.deepEqual({ ...all.breakdowns.join_type }, { '(empty)': 1, iam: 2 });
    assert.deepEqual({ ...all.helperVersions['gha:teleport-actions/auth'] }, { '1.2.0': 1, '1.3.0': 1 });
    assert.deepEqual({ ...all.crossTabs.helper['gha:teleport-actions/auth'] }, { continuous: 1, 'one-shot': 1 });
    assert.equal(fold(records, undefined, { runMode: 'unspecified' }).total, 1);
    assert.equal(fold(records, undefined, { version: '18.1.0' }).total, 1);
    assert.equal(fold(records, undefined, { helper: 'gha:teleport-actions/auth' }).total, 2);
    assert.equal(fold(records, undefined, { helper: '(none)' }).total, 1);
  });

  it('counts destinations configured and the starts that have each kind', () => {
    const report = fold([
      stored('2026-03-04T10:00:00.000Z', { destinationsDatabase: 3, destinationsOther: 0 }),
      stored('2026-03-04T10:00:00.000Z', { destinationsApplication: 1 }),
    ]);
    assert.deepEqual(report.destinations, {
      configured: { database: 3, kubernetes: 0, application: 1, other: 1 },
      runsWith: { database: 1, kubernetes: 0, application: 1, other: 1 },
    });
    assert.equal(
      formatCsv(report, 'destinations'),
      'kind,configured,starts_with,share_of_starts\ndatabase,3,1,0.5000\nkubernetes,0,0,0.0000\napplication,1,1,0.5000\nother,1,1,0.5000\n',
    );
  });

  it('a stored join type such as "__proto__" is counted as a value, never reaching a prototype', () => {
    const report = fold([stored('2026-03-04T10:00:00.000Z', { joinType: '__proto__' }), stored('2026-03-04T10:00:00.000Z', { joinType: 'constructor' })]);
    // biome-ignore lint/suspicious/noProto: the key under test is literally "__proto__", read off a prototype-free tally
    assert.equal(report.breakdowns.join_type['__proto__'], 1);
    assert.equal(report.breakdowns.join_type['constructor'], 1);
    const merged = tbotFold.empty(report.window, {});
    tbotFold.merge(merged, JSON.parse(JSON.stringify(report)));
    // biome-ignore lint/suspicious/noProto: as above, after a merge
    assert.equal(merged.breakdowns.join_type['__proto__'], 1);
    assert.equal(Object.getPrototypeOf(merged.breakdowns.join_type), null);
  });

  it('weekly tables: Monday weeks, partial weeks marked, change between the last two full weeks', () => {
    const window = { since: '2026-03-04T00:00:00.000Z', until: '2026-03-25T00:00:00.000Z' }; // Wed 4 Mar – Tue 24 Mar
    const records = [
      ...Array.from({ length: 3 }, () => stored('2026-03-05T10:00:00.000Z')), // week of 2 Mar (partial)
      ...Array.from({ length: 4 }, () => stored('2026-03-10T10:00:00.000Z')), // week of 9 Mar
      ...Array.from({ length: 5 }, () => stored('2026-03-16T10:00:00.000Z', { joinType: 'github' })), // week of 16 Mar
      stored('2026-03-24T10:00:00.000Z'), // week of 23 Mar (partial)
    ];
    const { head, rows } = weeklyTable(fold(records, window), 'join_type', (week, full) => `${week}${full ? '' : '*'}`);
    assert.deepEqual(head, ['join type', '2026-03-02*', '2026-03-09', '2026-03-16', '2026-03-23*', 'change']);
    assert.deepEqual(rows, [
      ['all starts', 3, 4, 5, 1, '+25.0%'],
      ['iam', 3, 4, 0, 1, '−100.0%'],
      ['github', 0, 0, 5, 0, 'new'],
    ]);
  });

  it('--by week: a partial first or last week is shown, marked, and compared with nothing; a full week only with the full week before it', () => {
    const window = { since: '2026-03-04T00:00:00.000Z', until: '2026-03-25T00:00:00.000Z' };
    const report = fold(
      ['2026-03-04', '2026-03-10', '2026-03-11', '2026-03-17', '2026-03-18', '2026-03-19', '2026-03-24'].map((day) => stored(`${day}T10:00:00.000Z`)),
      window,
    );
    const rows = formatTable(report, 'week')
      .split('\n')
      .filter((line) => /^2026-/.test(line));
    assert.deepEqual(rows, ['2026-03-02*       1       –', '2026-03-09        2       –', '2026-03-16        3  +50.0%', '2026-03-23*       1       –']);
    assert.deepEqual(formatCsv(report, 'week').trim().split('\n').slice(1), [
      '2026-03-02,1,0.1429,no,',
      '2026-03-09,2,0.2857,yes,',
      '2026-03-16,3,0.4286,yes,0.5000',
      '2026-03-23,1,0.1429,no,',
    ]);
  });

  it('calendar helpers: weeks start on Monday, windows read as human dates, ticks are round', () => {
    assert.equal(weekOf('2026-03-04'), '2026-03-02');
    assert.equal(weekOf('2026-03-02'), '2026-03-02');
    assert.equal(weekOf('2026-03-01'), '2026-02-23');
    assert.equal(humanWindow({ since: '2026-02-03T00:00:00.000Z', until: '2026-03-05T00:00:00.000Z' }), '3 Feb 2026 – 4 Mar 2026 (UTC)');
    assert.equal(change(5, 4), '+25.0%');
    assert.equal(change(0, 0), '–');
    assert.deepEqual(niceTicks(143), [0, 50, 100, 150]);
    assert.deepEqual(niceTicks(7), [0, 2, 4, 6, 8]);
    assert.deepEqual(niceTicks(0), [0, 1]);
    const now = new Date('2026-03-04T05:06:07.000Z');
    const date = (text: string): string | undefined => {
      const parsed = parseWhen(text, now);
      return parsed.ok ? parsed.date.toISOString() : undefined;
    };
    assert.equal(date('2d'), '2026-03-02T05:06:07.000Z');
    assert.deepEqual(parseWhen('now', now), { ok: true, date: now });
    assert.equal(date('2026-03-01'), '2026-03-01T00:00:00.000Z');
    assert.equal(date('2024-02-29'), '2024-02-29T00:00:00.000Z');
    assert.equal(date('2026-03-01T10:00:00+02:00'), '2026-03-01T08:00:00.000Z');
    assert.deepEqual(parseWhen('last week', now), { ok: false });
  });

  it('a window bound on a day that does not exist is refused, with the reason, not rolled into the next month', () => {
    const now = new Date('2026-03-04T05:06:07.000Z');
    for (const [text, reason] of [
      ['2026-02-30', 'day 30 does not exist in 2026-02'],
      ['2026-02-29', 'day 29 does not exist in 2026-02'],
      ['2026-04-31', 'day 31 does not exist in 2026-04'],
      ['2026-11-31', 'day 31 does not exist in 2026-11'],
      ['2026-13-01', 'month 13 does not exist'],
      ['2026-02-30T00:00:00Z', 'day 30 does not exist in 2026-02'],
      ['2026-03-01T24:00:00Z', 'time 24:00:00 does not exist'],
    ]) {
      assert.deepEqual(parseWhen(text as string, now), { ok: false, reason }, text);
    }
  });
});

describe('report headings', () => {
  it('count with the noun agreeing: 1 start, 2 starts', () => {
    const one = formatTable(fold([stored('2026-03-04T10:00:00.000Z')]), 'run_mode').split('\n')[0];
    const two = formatTable(fold([stored('2026-03-04T10:00:00.000Z'), stored('2026-03-04T11:00:00.000Z')]), 'run_mode').split('\n')[0];
    assert.match(one ?? '', /: 1 start$/);
    assert.match(two ?? '', /: 2 starts$/);
    assert.deepEqual([counted(0, 'run'), counted(1, 'run'), counted(1, 'damaged line was', 'damaged lines were')], ['0 runs', '1 run', '1 damaged line was']);
  });
});
