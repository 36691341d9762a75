/**
 * The usage submitter's pure parts: windows as Teleport's aggregating reporter keeps them (15
 * minutes for users and bot instances, an hour for resources, a minute of grace for a clock
 * stepped back), what each event counts, and how a closed window becomes anonymized reports
 * under the service's size limit.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { HmacAnonymizer } from '../../src/reporting/anonymizer.js';
import { type ClosedWindow, UsageAggregator, type UsageEvent } from '../../src/reporting/usage-aggregator.js';
import { buildReports, ReportTooLargeError, reportSizeBound, resourceId } from '../../src/reporting/usage-report-build.js';

const T = (time: string): number => Date.parse(`2026-11-30T${time}Z`);
const KEY = 'cluster-key';
const anonymizer = new HmacAnonymizer(KEY);
const hmac = (value: string): string => createHmac('sha256', KEY).update(value).digest('base64');

/** Feeds timed events as the submitter does (close what the clock left, then count); returns every window closed, the open ones last. */
function run(events: [number, UsageEvent][]): ClosedWindow[] {
  const aggregator = new UsageAggregator(events[0]![0]);
  const closed: ClosedWindow[] = [];
  for (const [at, event] of events) {
    closed.push(...aggregator.closeDue(at));
    aggregator.add(event);
  }
  return [...closed, ...aggregator.closeAll()];
}

const login = (user: string): UsageEvent => ({ type: 'user.login', user });
const starts = (windows: ClosedWindow[], kind: ClosedWindow['kind']): string[] =>
  windows.filter((window) => window.kind === kind).map((window) => window.start.toISOString().slice(11, 19));

describe('usage windows', () => {
  const table: { name: string; events: [number, UsageEvent][]; users: string[]; resources?: string[] }[] = [
    {
      name: 'one quarter of an hour is one window',
      events: [
        [T('10:00:00'), login('a')],
        [T('10:14:59.999'), login('b')],
      ],
      users: ['10:00:00'],
    },
    {
      name: 'the next quarter starts a new window',
      events: [
        [T('10:14:59'), login('a')],
        [T('10:15:00'), login('a')],
      ],
      users: ['10:00:00', '10:15:00'],
    },
    {
      name: 'an idle quarter makes no report',
      events: [
        [T('10:01:00'), login('a')],
        [T('10:50:00'), login('a')],
      ],
      users: ['10:00:00', '10:45:00'],
    },
    {
      name: 'a clock stepped back less than a minute keeps counting into the open window',
      events: [
        [T('10:15:10'), login('a')],
        [T('10:14:20'), login('b')],
        [T('10:16:00'), login('c')],
      ],
      users: ['10:15:00'],
    },
    {
      name: 'a clock stepped back more than a minute closes it',
      events: [
        [T('10:15:10'), login('a')],
        [T('10:13:50'), login('b')],
      ],
      users: ['10:15:00', '10:00:00'],
    },
    {
      name: 'resources are counted by the hour',
      events: [
        [T('10:01:00'), { type: 'resource.heartbeat', kind: 'RESOURCE_KIND_NODE', name: 'n1' }],
        [T('10:59:00'), { type: 'resource.heartbeat', kind: 'RESOURCE_KIND_NODE', name: 'n1' }],
        [T('11:00:00'), { type: 'resource.heartbeat', kind: 'RESOURCE_KIND_NODE', name: 'n1' }],
      ],
      users: [],
      resources: ['10:00:00', '11:00:00'],
    },
  ];
  for (const { name, events, users, resources = [] } of table) {
    it(name, () => {
      const windows = run(events);
      assert.deepEqual(starts(windows, 'user_activity'), users);
      assert.deepEqual(starts(windows, 'resource_presence'), resources);
    });
  }
});

describe('what each event counts', () => {
  const at = T('09:00:00');
  const table: { name: string; events: UsageEvent[]; user: string; kind: string; counters: Record<string, number>; instances?: Record<string, number>[] }[] = [
    { name: 'a login is a human’s', events: [login('alice')], user: 'alice', kind: 'USER_KIND_HUMAN', counters: { logins: 1 } },
    {
      name: 'sessions by type, port forwards apart',
      events: (['ssh', 'ssh', 'k8s', 'db', 'app', 'app_tcp', 'windows_desktop', 'ssh_port_v2', 'k8s_port'] as const).map((sessionType) => ({
        type: 'session.start',
        user: 'alice',
        userKind: 'USER_KIND_HUMAN',
        sessionType,
      })),
      user: 'alice',
      kind: 'USER_KIND_HUMAN',
      counters: { ssh_sessions: 2, kube_sessions: 1, db_sessions: 1, app_sessions: 1, app_tcp_sessions: 1, desktop_sessions: 1, ssh_port_v2_sessions: 1, kube_port_sessions: 1 },
    },
    {
      name: 'an unspecified sighting never hides a known kind',
      events: [
        { type: 'certificate.issued', user: 'alice', isBot: false },
        { type: 'sftp', user: 'alice', userKind: 'USER_KIND_HUMAN' },
        { type: 'kube.request', user: 'alice' },
      ],
      user: 'alice',
      kind: 'USER_KIND_HUMAN',
      counters: { certificates_issued: 1, sftp_events: 1, kube_requests: 1 },
    },
    {
      name: 'a bot join counts for the bot’s user (bot-<name>, spaces as dashes) and its instance',
      events: [
        { type: 'bot.join', botName: 'ci runner', botInstanceId: 'i-1' },
        { type: 'certificate.issued', user: 'bot-ci-runner', isBot: true, botInstanceId: 'i-1' },
        { type: 'spiffe.svid.issued', user: 'bot-ci-runner', userKind: 'USER_KIND_BOT', spiffeId: 'spiffe://x/y', botInstanceId: 'i-1' },
        { type: 'bot.join', botName: 'ci runner' },
      ],
      user: 'bot-ci-runner',
      kind: 'USER_KIND_BOT',
      counters: { bot_joins: 2, certificates_issued: 1, spiffe_svids_issued: 1 },
      instances: [{ bot_joins: 1, certificates_issued: 1, spiffe_svids_issued: 1 }],
    },
    {
      name: 'access requests are a human’s; the system user’s are not counted',
      events: [
        { type: 'access_request.create', user: 'bob' },
        { type: 'access_request.review', user: 'bob' },
        { type: 'access_request.create', user: 'system' },
      ],
      user: 'bob',
      kind: 'USER_KIND_HUMAN',
      counters: { access_requests_created: 1, access_requests_reviewed: 1 },
    },
  ];
  for (const { name, events, user, kind, counters, instances = [] } of table) {
    it(name, () => {
      const windows = run(events.map((event) => [at, event]));
      const users = windows.find((window) => window.kind === 'user_activity');
      assert.ok(users?.kind === 'user_activity');
      assert.deepEqual([...users.users.keys()], [user]);
      assert.equal(users.users.get(user)!.kind, kind);
      assert.deepEqual(users.users.get(user)!.counters, counters);
      const bots = windows.find((window) => window.kind === 'bot_instance_activity');
      assert.deepEqual(bots?.kind === 'bot_instance_activity' ? [...bots.instances.values()].map((tally) => tally.counters) : [], instances);
    });
  }

  it('a full window drops new keys and counts them, but keeps counting the keys it has', () => {
    const aggregator = new UsageAggregator(at, { maxKeysPerWindow: 2 });
    assert.equal(aggregator.add(login('a')), true);
    assert.equal(aggregator.add(login('b')), true);
    assert.equal(aggregator.add(login('c')), false);
    assert.equal(aggregator.add(login('a')), true);
    assert.equal(aggregator.dropped, 1);
  });
});

describe('reports from a closed window', () => {
  let uuids = 0;
  const nextUuid = (): string => {
    uuids += 1;
    return `00000000-0000-4000-8000-${String(uuids).padStart(12, '0')}`;
  };
  const deps = { anonymizer, randomUUID: nextUuid };
  const identity = { clusterName: hmac('prod'), reporterHostid: hmac('host-1') };

  it('every name leaves as the HMAC of the cluster key; resource ids are the HMAC’s first 8 bytes, little-endian', () => {
    const windows = run([
      [T('09:00:00'), login('alice')],
      [T('09:00:01'), { type: 'spiffe.svid.issued', user: 'alice', userKind: 'USER_KIND_HUMAN', spiffeId: 'spiffe://prod/a' }],
      [T('09:00:02'), { type: 'resource.heartbeat', kind: 'RESOURCE_KIND_DB_SERVER', name: 'orders-db' }],
    ]);
    const [users, resources] = windows.flatMap((window) => buildReports(window, identity, deps));
    assert.deepEqual(users!.report, {
      reportUuid: Buffer.from(users!.uuid.replaceAll('-', ''), 'hex').toString('base64'),
      clusterName: hmac('prod'),
      reporterHostid: hmac('host-1'),
      startTime: '2026-11-30T09:00:00Z',
      records: [
        { userName: hmac('alice'), userKind: 'USER_KIND_HUMAN', logins: '1', spiffeSvidsIssued: '1', spiffeIdsIssued: [{ spiffeId: hmac('spiffe://prod/a'), svidsIssued: 1 }] },
      ],
    });
    const id = Buffer.from(hmac('orders-db'), 'base64').readBigUInt64LE(0).toString();
    assert.equal(resourceId(hmac('orders-db')), id);
    assert.deepEqual(resources!.report['resourceKindReports'], [{ resourceKind: 'RESOURCE_KIND_DB_SERVER', resourceIds: [id] }]);
    assert.equal(resources!.kind, 'resource_presence');
  });

  it('a window too large for one report is split: every record once, each report within the limit, each its own uuid', () => {
    const events: [number, UsageEvent][] = Array.from({ length: 40 }, (_, index) => [T('09:00:00'), login(`user-${index}`)]);
    const [window] = run(events);
    const reports = buildReports(window!, identity, { ...deps, maxReportBytes: 1_200 });
    assert.ok(reports.length > 1);
    for (const report of reports) assert.ok(reportSizeBound(report.report) <= 1_200, String(reportSizeBound(report.report)));
    assert.equal(new Set(reports.map((report) => report.uuid)).size, reports.length);
    const names = reports.flatMap((report) => (report.report['records'] as { userName: string }[]).map((record) => record.userName));
    assert.deepEqual(names.sort(), events.map(([, event]) => hmac((event as { user: string }).user)).sort());
  });

  it('resources: whole kinds are packed first, a kind too large is split in halves', () => {
    const events: [number, UsageEvent][] = Array.from({ length: 60 }, (_, index) => [
      T('09:00:00'),
      { type: 'resource.heartbeat', kind: index < 50 ? 'RESOURCE_KIND_NODE' : 'RESOURCE_KIND_APP_SERVER', name: `r-${index}` },
    ]);
    const [window] = run(events);
    const reports = buildReports(window!, identity, { ...deps, maxReportBytes: 900 });
    assert.ok(reports.length > 2);
    const ids = reports.flatMap((report) => (report.report['resourceKindReports'] as { resourceIds: string[] }[]).flatMap((kind) => kind.resourceIds));
    assert.equal(ids.length, 60);
    assert.equal(new Set(ids).size, 60);
    for (const report of reports) assert.ok(reportSizeBound(report.report) <= 900);
  });

  it('a record that cannot fit at all is a ReportTooLargeError, not a report over the limit', () => {
    const [window] = run([[T('09:00:00'), login('alice')]]);
    assert.throws(() => buildReports(window!, identity, { ...deps, maxReportBytes: 100 }), ReportTooLargeError);
  });
});
