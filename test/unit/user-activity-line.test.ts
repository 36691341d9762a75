/**
 * The billing fold reads stored user activity lines without JSON.parse (user-activity-line.ts).
 * That reading must never change a report: it may only answer for a line the generic way (parse,
 * checkStoredRecord, the fold's own check) finds sound, and then with the same users, kinds and
 * counters. Held here on lines the real service stores, in every key order, and on many kinds of
 * damage, from a seeded generator (a failure names its seed).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Fold, foldLineInto } from '../../src/collector/report/fold.js';
import { type UsageReport, usageFold, userActivitySighting } from '../../src/collector/report/usage/fold.js';
import type { UserActivityLine } from '../../src/collector/report/usage/user-activity-line.js';
import { eventUuid } from '../../src/collector/store/event-identity.js';
import { checkStoredRecord } from '../../src/collector/store/record-check.js';
import type { StoredUsageReport } from '../../src/protocol/usage-wire.js';
import { randomFrom } from '../helpers/random-proto.js';
import { type ReportSpec, storedUsageLines, type UserSpec } from '../helpers/usage-reports.js';

const RECEIVED = new Date('2026-11-03T10:16:00.000Z');
const WINDOW = { since: '2026-10-01T00:00:00.000Z', until: '2027-01-01T00:00:00.000Z' } as UsageReport['window'];

/** A stored line as the store writes it: its identity last. */
function asStored(line: string): string {
  const record = JSON.parse(line) as { family: string; event: unknown };
  return `${line.slice(0, -1)},"uuid":"${eventUuid(record.family, record.event)}"}`;
}

const COUNTS = [0, 1, 2, 7, 1000, 2 ** 31, 2 ** 53 - 1, 2 ** 53 + 1];
function randomUsers(random: () => number, count: number): UserSpec[] {
  const pick = (): number => (random() < 0.5 ? 0 : COUNTS[Math.floor(random() * COUNTS.length)]!);
  return Array.from({ length: count }, (_, index) => ({
    user: `user-${Math.floor(random() * 30)}-${index}`,
    kind: Math.floor(random() * 4),
    logins: pick(),
    ssh: pick(),
    kube: pick(),
    db: pick(),
    app: pick(),
    appTcp: pick(),
    desktop: pick(),
    linuxDesktop: pick(),
    svids: pick(),
    certificates: pick(),
    botJoins: pick(),
  }));
}

/** Sound lines from the real service: user activity reports of 0 to 24 users. */
function soundLines(random: () => number, count: number): string[] {
  const specs: ReportSpec[] = Array.from({ length: count }, (_, index) => ({
    kind: 'user',
    id: `report-${index}-${random()}`,
    host: random() < 0.5 ? 'auth-a' : 'auth-b',
    start: new Date(Date.parse('2026-11-03T00:00:00Z') + Math.floor(random() * 40) * 900_000).toISOString(),
    users: randomUsers(random, random() < 0.1 ? 0 : 1 + Math.floor(random() * 24)),
  }));
  return storedUsageLines(`tenant-${Math.floor(random() * 3)}`, specs, RECEIVED).map((line) => (random() < 0.8 ? asStored(line) : line));
}

/** The same value with its keys in another order, at every depth: JSON.parse cannot tell. */
function shuffled(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffled(item, random));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, inner]) => [key, shuffled(inner, random)] as const);
  for (let index = entries.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [entries[index], entries[other]] = [entries[other]!, entries[index]!];
  }
  return Object.fromEntries(entries);
}

/** Damage that changes the text, its meaning, or neither (an escape JSON.parse undoes). */
const DAMAGE: ((line: string, random: () => number) => string)[] = [
  // a character replaced, deleted, or inserted, anywhere
  (line, random) => {
    const at = Math.floor(random() * line.length);
    return line.slice(0, at) + '\\" ,:{}[]0A=-x\t'[Math.floor(random() * 15)] + line.slice(at + 1);
  },
  (line, random) => {
    const at = Math.floor(random() * line.length);
    return line.slice(0, at) + line.slice(at + 1);
  },
  (line, random) => {
    const at = Math.floor(random() * line.length);
    return line.slice(0, at) + '"\\ 1'[Math.floor(random() * 4)] + line.slice(at);
  },
  // the same meaning, spelled otherwise: escapes, whitespace, counters as numbers
  (line) => line.replace(/"user_name":"(.)/, (_, char: string) => `"user_name":"\\u00${char.charCodeAt(0).toString(16).padStart(2, '0')}`),
  (line) => line.replace('"tenant":"t', '"tenant":"\\u0074'),
  (line) => line.replace('"records":[', '"records": ['),
  (line) => line.replace(/"logins":"(\d+)"/, '"logins":$1'),
  // a canonical field spelled in a form only fromJson takes, or a value it refuses
  (line) => line.replace(/"logins":"\d+"/, '"logins":"18446744073709551615"'),
  (line) => line.replace(/"logins":"\d+"/, '"logins":"18446744073709551616"'),
  (line) => line.replace(/"logins":"(\d+)"/, '"logins":"0$1"'),
  (line) => line.replace(/"logins":"\d+"/, '"logins":"-1"'),
  (line) => line.replace(/"user_kind":"USER_KIND_[A-Z]+"/, '"user_kind":2'),
  (line) => line.replace(/"user_kind":"USER_KIND_[A-Z]+"/, '"user_kind":"USER_KIND_ROBOT"'),
  (line) => line.replace('"records":[{', '"records":[{"user_name":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",'),
  (line) => line.replace('"records":[{', '"records":[{"user_origin":"USER_ORIGIN_SSO",'),
  (line) => line.replace('"records":[{', '"records":[{"kube_requests":"3",'),
  (line) => line.replace('"records":[{', '"records":[{"spiffe_ids_issued":[],'),
  (line) => line.replace('"records":[{', '"records":[{"bot_instance_id":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",'),
  (line) => line.replace(/"user_name":"[^"]+"/, '"user_name":"alice"'),
  (line) => line.replace(/"user_name":"[^"]+",?/, ''),
  (line) => line.replace('"records":[', '"records":[{},'),
  (line) => line.replace('"records":[', '"records":[null,'),
  (line) => line.replace(/"records":\[.*\]\}/, '"records":[]}'),
  (line) => line.replace(/,?"records":\[.*\]/, ''),
  (line) => line.replace('"report":{', '"report":{"records":[],'),
  (line) => line.replace(/("report":\{.*?"cluster_name":")[A-Za-z]/, '$1Q'),
  (line) => line.replace(/("report":\{.*?)"start_time":"[^"]+"/, '$1"start_time":"2026-11-03T00:00:00.5Z"'),
  (line) => line.replace(/("report":\{.*?)"start_time":"[^"]+"/, '$1"start_time":"2026-11-03T00:00:00+00:00"'),
  (line) => line.replace(/("report":\{.*?)"report_uuid":"[^"]+"/, '$1"report_uuid":"AAA"'),
  (line) => line.replace(/"tenant":"[^"]+"/, '"tenant":"Tenant-A"'),
  (line) => line.replace(/"tenant":"[^"]+"/, '"tenant":""'),
  (line) => line.replace('"kind":"user_activity"', '"kind":"bot_instance_activity"'),
  (line) => line.replace('"family":"usage"', '"family":"teleport"'),
  (line) => line.replace(/"family":"usage",/, ''),
  (line) => line.replace(/"received_at":"[^"]+"/, '"received_at":"2026-11-03"'),
  (line) => line.replace(/"received_at":"[^"]+"/, '"received_at":"2026-11-33T00:00:00.000Z"'),
  (line) => line.replace(/"start_time":"([^"]+)\.000Z","report"/, '"start_time":"$1Z","report"'),
  (line) => line.replace(/"report_uuid":"([0-9a-f-]+)","cluster_name"/, (_, uuid: string) => `"report_uuid":"${uuid.toUpperCase()}","cluster_name"`),
  (line) => line.replace(/,"uuid":"[^"]+"\}$/, ',"uuid":"not-a-uuid"}'),
  (line) => line.replace(/\}$/, ',"note":"x"}'),
  (line) => line.replace('"event":{', '"event":{"tenant":"other",'),
  (line) => line.replace('"records":[{', '"records":[{"logins":"1","logins":"2",'),
  (line) => `${line} `,
  (line) => `${line}}`,
];

/** The generic way's verdict on a line, and the sighting it would fold. */
function generic(line: string): { sound: boolean; receivedAt?: string; sighting?: ReturnType<typeof userActivitySighting> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { sound: false };
  }
  const check = checkStoredRecord(parsed);
  if (!check.ok || check.record.family !== 'usage' || !usageFold.valid!(check.record)) return { sound: false };
  const event = check.record.event as StoredUsageReport;
  return { sound: true, receivedAt: check.record.received_at, ...(event.kind === 'user_activity' ? { sighting: userActivitySighting(event) } : {}) };
}

/** What the line reader says: undefined, or a reading that must be the generic way's exactly. */
function agrees(line: string, label: string): boolean {
  const read = usageFold.readLine!(line) as UserActivityLine | undefined;
  if (read === undefined) return false;
  // Compared before the reader is called again: it refills one sighting in place.
  const truth = generic(line);
  assert.equal(truth.sound, true, `${label}: the reader took a line the generic way refuses: ${line}`);
  assert.equal(read.family, 'usage', label);
  assert.equal(read.receivedAt, truth.receivedAt, label);
  assert.deepEqual(read.sighting, truth.sighting, `${label}: the reader's figures differ: ${line}`);
  return true;
}

/** The usage fold without its line reader: every line the generic way. */
const { readLine: _readLine, addRead: _addRead, ...genericFold } = usageFold satisfies Fold<UsageReport>;

describe('reading stored user activity lines without JSON.parse', () => {
  it('takes every line the service stores, in any key order, with the generic way’s figures', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const random = randomFrom(seed);
      for (const line of soundLines(random, 15)) {
        assert.equal(agrees(line, `seed ${seed}`), true, `seed ${seed}: the reader gave up on a line as the store writes it: ${line}`);
        const reordered = JSON.stringify(shuffled(JSON.parse(line), random));
        assert.equal(agrees(reordered, `seed ${seed}, keys reordered`), true, `seed ${seed}: the reader gave up on reordered keys: ${reordered}`);
      }
    }
  });

  it('answers for damaged or unusual lines only when the generic way finds them sound, and with its figures', () => {
    let taken = 0;
    let given = 0;
    let refusedByBoth = 0;
    for (let seed = 100; seed < 120; seed += 1) {
      const random = randomFrom(seed);
      for (const line of soundLines(random, 6)) {
        for (const [index, damage] of DAMAGE.entries()) {
          const damaged = damage(line, random);
          if (agrees(damaged, `seed ${seed}, damage ${index}`)) taken += 1;
          else if (generic(damaged).sound) given += 1;
          else refusedByBoth += 1;
        }
      }
    }
    // Each kind of case happens, so none of the three outcomes can be silently missing.
    assert.ok(taken > 0 && given > 0 && refusedByBoth > 0, `taken ${taken}, given up ${given}, refused ${refusedByBoth}`);
  });

  it('counts a report spelled with JSON names as damage both ways, never with its figures left out', () => {
    // fromJson takes "dbSessions" for db_sessions, so the record check passes such a report; the fold reads proto names.
    const base = { host: 'auth-a', start: '2026-11-03T00:00:00Z' };
    const cases: [ReportSpec, string, string][] = [
      [{ ...base, kind: 'user', id: 'json-user', users: [{ user: 'alice', logins: 1 }] }, '"records":[{', '"records":[{"dbSessions":"5",'],
      [{ ...base, kind: 'bot', id: 'json-bot', instances: ['bot-1'] }, '"records":[{', '"records":[{"botJoins":"2",'],
      [{ ...base, kind: 'resource', id: 'json-resource', resources: [{ kind: 1, ids: [7n] }] }, '"resource_kind_reports":', '"resourceKindReports":'],
    ];
    for (const [spec, from, to] of cases) {
      const [stored] = storedUsageLines('tenant-a', [spec], RECEIVED);
      const line = asStored(stored!).replace(from, to);
      assert.ok(line.includes(to), spec.id);
      assert.equal(generic(asStored(stored!)).sound, true, `${spec.id}: sound as stored`);
      for (const fold of [usageFold, genericFold]) {
        const report = fold.empty(WINDOW, {});
        foldLineInto(fold, [{ report, since: WINDOW.since }], 'usage', line);
        assert.equal(report.skipped, 1, spec.id);
        assert.equal(report.groups.size, 0, spec.id);
      }
    }
  });

  it('folds a month to the same tally with and without the reader, repeats and damage included', () => {
    const random = randomFrom(7);
    const sound = soundLines(random, 60);
    const lines = [...sound, ...sound.slice(0, 10), ...sound.slice(20, 30).map((line) => DAMAGE[Math.floor(random() * DAMAGE.length)]!(line, random))];
    // Report windows that start at 05:00 leave out the reports of the hours before.
    const since = '2026-11-03T05:00:00.000Z';
    const fold = (with_: Fold<UsageReport>): UsageReport[] => {
      const reports = [usageFold.empty(WINDOW, {}), usageFold.empty({ ...WINDOW, since } as UsageReport['window'], {}), usageFold.empty(WINDOW, { tenant: 'tenant-1' })];
      const targets = reports.map((report) => ({ report, since: report.window.since }));
      for (const line of lines) foldLineInto(with_, targets, 'usage', line);
      return reports;
    };
    const quick = fold(usageFold);
    assert.deepEqual(quick, fold(genericFold));
    assert.ok(quick[0]!.repeats >= 10 && quick[0]!.groups.size > 0, 'the month holds reports and their repeats');
  });
});
