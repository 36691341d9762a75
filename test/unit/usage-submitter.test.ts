/**
 * The usage submitter with its side effects in hand: a wall clock and timers the test moves, a
 * transport that records each call and answers what the test says, and a spool in a temporary
 * directory. What an auth server relies on: a report is on disk before it is sent and leaves it
 * only after a 200; a restart resends the same report_uuid; a damaged or foreign spool file is
 * refused and never sent; at most 10 reports a call; retries back off; everything is bounded.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SUBMIT_USAGE_REPORTS_PATH } from '../../src/protocol/usage-wire.js';
import { HmacAnonymizer } from '../../src/reporting/anonymizer.js';
import type { SendOutcome, Transport } from '../../src/reporting/transport.js';
import type { UsageEvent } from '../../src/reporting/usage-aggregator.js';
import { checkSpooledReport, SpoolFileError } from '../../src/reporting/usage-spool-check.js';
import { createUsageSubmitter, RETRY_MIN_MS, UsageSubmitterConfigError, type UsageSubmitterOptions } from '../../src/reporting/usage-submitter.js';
import { ManualTimers } from '../helpers/manual-timers.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const anonymizer = new HmacAnonymizer('cluster-key');
const START = Date.parse('2026-11-30T09:00:00Z');
const QUARTER = 15 * 60_000;

interface Call {
  url: string;
  body: Record<string, { reportUuid: string }[]>;
}

/** A transport answering from a script (then 200 for ever), recording every call. */
function fakeTransport(script: SendOutcome[] = []): { transport: Transport; calls: Call[] } {
  const calls: Call[] = [];
  const transport: Transport = async (request) => {
    calls.push({ url: request.url, body: JSON.parse(request.body) });
    return script.shift() ?? { ok: true, status: 200 };
  };
  return { transport, calls };
}
const DOWN: SendOutcome = { ok: false, reason: 'network', detail: 'ECONNREFUSED' };
const uuidsOf = (calls: Call[]): string[] => calls.flatMap((call) => Object.values(call.body).flatMap((reports) => reports.map((report) => report.reportUuid)));

describe('the usage submitter', () => {
  let workspace: Workspace;
  let dirs = 0;
  const freshSpool = (): string => {
    dirs += 1;
    return join(workspace.dir, `spool-${dirs}`);
  };
  before(async () => {
    workspace = await makeWorkspace('tbot-usage-submitter-');
  });
  after(() => workspace.remove());

  /** A submitter on a fresh (or given) spool, a clock at `clock.now`, manual timers. */
  async function setup(transport: Transport, overrides: Partial<UsageSubmitterOptions> = {}, spoolDir = freshSpool()) {
    const clock = { now: START };
    const timers = new ManualTimers();
    const submitter = await createUsageSubmitter({
      endpoint: 'https://collector.example.com',
      clusterName: 'prod',
      hostId: 'auth-1',
      anonymizer,
      spoolDir,
      transport,
      now: () => clock.now,
      timers,
      ...overrides,
    });
    /** One login per user at the current time. */
    const logins = (count: number): void => {
      for (let index = 0; index < count; index += 1) submitter.record({ type: 'user.login', user: `user-${index}` } satisfies UsageEvent);
    };
    return { submitter, clock, timers, spoolDir, logins };
  }

  it('a closed window is spooled (0600) before it is sent, stays through a failure, and leaves after the 200', async () => {
    const { transport, calls } = fakeTransport([DOWN]);
    const { submitter, clock, spoolDir, logins } = await setup(transport);
    logins(3);
    clock.now += QUARTER;
    const failed = await submitter.flush();
    assert.deepEqual(failed, { sent: 0, ok: false });
    const files = await readdir(spoolDir);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^user_activity\.20261130T090000Z\.[0-9a-f-]{36}\.json$/);
    assert.equal((await stat(join(spoolDir, files[0]!))).mode & 0o777, 0o600);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.url, `https://collector.example.com${SUBMIT_USAGE_REPORTS_PATH}`);
    assert.deepEqual(await submitter.flush(), { sent: 1, ok: true });
    assert.deepEqual(await readdir(spoolDir), []);
    assert.deepEqual(uuidsOf(calls.slice(1)), uuidsOf(calls.slice(0, 1)), 'the retry carries the same report_uuid');
    assert.equal(submitter.stats().sent, 1);
    await submitter.close();
  });

  it('a restart resends what the spool holds, with the same report_uuid', async () => {
    const down = fakeTransport([DOWN, DOWN, DOWN]);
    const first = await setup(down.transport);
    first.logins(2);
    const closed = await first.submitter.close();
    assert.deepEqual(closed, { complete: false, pending: 1 });
    const up = fakeTransport();
    const second = await setup(up.transport, {}, first.spoolDir);
    assert.equal(second.submitter.stats().pending, 1);
    assert.deepEqual(await second.submitter.flush(), { sent: 1, ok: true });
    assert.deepEqual(uuidsOf(up.calls), uuidsOf(down.calls).slice(0, 1));
    await second.submitter.close();
  });

  it('at most 10 reports a call: user activity first, then resources, then bot instances, oldest first', async () => {
    const { transport, calls } = fakeTransport([DOWN]);
    const { submitter, clock } = await setup(transport);
    // 12 quarters with a login, a heartbeat and a bot join each: 12 user, 3 resource, 12 bot reports.
    for (let quarter = 0; quarter < 12; quarter += 1) {
      submitter.record({ type: 'user.login', user: 'alice' });
      submitter.record({ type: 'resource.heartbeat', kind: 'RESOURCE_KIND_NODE', name: 'n1' });
      submitter.record({ type: 'bot.join', botName: 'ci', botInstanceId: 'i-1' });
      clock.now += QUARTER;
    }
    await submitter.flush();
    calls.length = 0;
    assert.deepEqual(await submitter.flush(), { sent: 27, ok: true });
    assert.deepEqual(
      calls.map((call) => Object.fromEntries(Object.entries(call.body).map(([kind, reports]) => [kind, reports.length]))),
      [{ userActivity: 10 }, { userActivity: 2, resourcePresence: 3, botInstanceActivity: 5 }, { botInstanceActivity: 7 }],
    );
    const starts = calls[0]!.body['userActivity']!.map((report) => (report as unknown as { startTime: string }).startTime);
    assert.deepEqual(starts, [...starts].sort());
    await submitter.close();
  });

  it('after a failure it retries at 1 s, 2 s, 4 s… never beyond the send interval; a success goes back to the interval', async () => {
    const { transport } = fakeTransport([DOWN, DOWN, DOWN, DOWN, DOWN]);
    const { submitter, clock, timers, logins } = await setup(transport, { sendIntervalMs: 10_000 });
    logins(1);
    clock.now += QUARTER;
    for (let attempt = 0; attempt < 6; attempt += 1) await submitter.flush();
    const sendDelays = timers.delays.filter((delay) => delay !== 60_000);
    assert.deepEqual(sendDelays, [10_000, RETRY_MIN_MS, 2_000, 4_000, 8_000, 10_000, 10_000]);
    await submitter.close();
  });

  it('a damaged or foreign spool file is refused with its field, never sent, and left in place', async () => {
    const { transport, calls } = fakeTransport([DOWN]);
    const first = await setup(transport);
    first.logins(1);
    await first.submitter.close();
    const [name] = await readdir(first.spoolDir);
    const path = join(first.spoolDir, name!);
    const original = await readFile(path, 'utf8');
    await writeFile(path, original.replace(/"userName":"[^"]+"/, '"userName":"alice"'));
    await writeFile(join(first.spoolDir, 'notes.txt'), 'not a report');
    const warnings: string[] = [];
    const second = await setup(transport, { logger: { debug: () => undefined, warn: (message) => warnings.push(message) } }, first.spoolDir);
    calls.length = 0;
    assert.deepEqual(await second.submitter.flush(), { sent: 0, ok: true });
    assert.equal(calls.length, 0);
    assert.deepEqual((await readdir(first.spoolDir)).sort(), [name, 'notes.txt'].sort());
    assert.equal(second.submitter.stats().refusedFiles, 1);
    assert.equal(second.submitter.stats().foreignFiles, 1);
    assert.ok(
      warnings.some((line) => line.includes(`${name}: report.records[0].userName: expected an anonymized value`)),
      warnings.join('\n'),
    );
    await second.submitter.close();
  });

  it('the spool is bounded: past maxReports the oldest report is given up and counted', async () => {
    const { transport } = fakeTransport([DOWN, DOWN, DOWN, DOWN, DOWN, DOWN]);
    const { submitter, clock, spoolDir } = await setup(transport, { spoolLimits: { maxReports: 3 } });
    for (let quarter = 0; quarter < 5; quarter += 1) {
      submitter.record({ type: 'user.login', user: 'alice' });
      clock.now += QUARTER;
    }
    await submitter.flush();
    const files = (await readdir(spoolDir)).sort();
    assert.deepEqual(
      files.map((file) => file.split('.')[1]),
      ['20261130T093000Z', '20261130T094500Z', '20261130T100000Z'],
    );
    assert.equal(submitter.stats().givenUp, 2);
    await submitter.close({ deadlineMs: 1 });
  });

  it('a report older than 60 days is given up unsent, as Teleport’s backend expires it', async () => {
    const { transport, calls } = fakeTransport([DOWN]);
    const { submitter, clock, logins } = await setup(transport);
    logins(1);
    clock.now += QUARTER;
    await submitter.flush();
    clock.now += 61 * 86_400_000;
    calls.length = 0;
    assert.deepEqual(await submitter.flush(), { sent: 0, ok: true });
    assert.equal(calls.length, 0);
    assert.equal(submitter.stats().givenUp, 1);
    await submitter.close();
  });

  it('only a file that checks out is given up: a damaged one past 60 days stays on disk', async () => {
    const { transport } = fakeTransport([DOWN, DOWN]);
    const first = await setup(transport);
    first.logins(1);
    await first.submitter.close();
    const [name] = await readdir(first.spoolDir);
    await writeFile(join(first.spoolDir, name!), 'damaged');
    const second = await setup(transport, {}, first.spoolDir);
    second.clock.now += 61 * 86_400_000;
    await second.submitter.flush();
    assert.deepEqual(await readdir(first.spoolDir), [name]);
    assert.equal(second.submitter.stats().givenUp, 0);
    assert.equal(second.submitter.stats().pending, 0);
    await second.submitter.close();
  });

  it('refuses a plain-HTTP endpoint and bad bounds at creation', async () => {
    const { transport } = fakeTransport();
    await assert.rejects(setup(transport, { endpoint: 'http://collector.example.com' }), UsageSubmitterConfigError);
    await assert.rejects(setup(transport, { spoolLimits: { maxBytes: 0 } }), /spoolLimits\.maxBytes: 0/);
  });
});

describe('a spool file read back', () => {
  const name = 'user_activity.20261130T090000Z.3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.json';
  const file = `/spool/${name}`;
  const cluster = anonymizer.anonymize('prod');
  const good = {
    format: 'tbot-analytics usage report v1',
    kind: 'user_activity',
    report: {
      reportUuid: Buffer.from('3f2a9c1e8b7d4e6fa1b2c3d4e5f60718', 'hex').toString('base64'),
      clusterName: cluster,
      reporterHostid: anonymizer.anonymize('auth-1'),
      startTime: '2026-11-30T09:00:00Z',
      records: [{ userName: anonymizer.anonymize('alice'), userKind: 'USER_KIND_HUMAN', logins: '2' }],
    },
  };
  const edit = (change: (copy: typeof good & Record<string, unknown>) => void): string => {
    const copy = structuredClone(good) as typeof good & Record<string, unknown>;
    change(copy);
    return JSON.stringify(copy);
  };
  const check = (text: string, at = file) => checkSpooledReport(text, { file: at, clusterName: cluster });

  it('a good file gives its report back', () => {
    assert.deepEqual(check(JSON.stringify(good)), {
      kind: 'user_activity',
      uuid: '3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718',
      start: Date.parse('2026-11-30T09:00:00Z'),
      report: good.report,
    });
  });

  const table: { name: string; text: string; at?: string; field: string }[] = [
    { name: 'not JSON (a torn or damaged file)', text: '{"format":', field: '' },
    { name: 'written by something else', text: edit((copy) => (copy.format = 'other')), field: 'format' },
    { name: 'its kind is not the one its name says', text: edit((copy) => (copy.kind = 'resource_presence')), field: 'kind' },
    { name: 'its uuid is not the one its name says', text: JSON.stringify(good), at: `/spool/${name.replace('3f2a', '4f2a')}`, field: 'report.reportUuid' },
    { name: 'another cluster’s report', text: edit((copy) => (copy.report.clusterName = anonymizer.anonymize('other'))), field: 'report.clusterName' },
    { name: 'a clear name where an HMAC belongs', text: edit((copy) => (copy.report.records[0]!.userName = 'alice')), field: 'report.records[0].userName' },
    { name: 'a counter that is not a uint64', text: edit((copy) => (copy.report.records[0]!.logins = '-1')), field: 'report.records[0].logins' },
    { name: 'a counter past 2^64 - 1', text: edit((copy) => (copy.report.records[0]!.logins = '18446744073709551616')), field: 'report.records[0].logins' },
    { name: 'a field the contract has not', text: edit((copy) => ((copy.report.records[0] as Record<string, unknown>)['email'] = 'a@b.c')), field: 'report.records[0].email' },
    { name: 'a start that is not the name’s', text: edit((copy) => (copy.report.startTime = '2026-11-30T09:15:00Z')), field: 'report.startTime' },
    { name: 'no records', text: edit((copy) => (copy.report.records = [])), field: 'report.records' },
    { name: 'a name this spool never writes', text: JSON.stringify(good), at: '/spool/report.json', field: '' },
  ];
  for (const { name: title, text, at, field } of table) {
    it(`refuses a file when ${title}, naming the file and the field`, () => {
      assert.throws(
        () => check(text, at),
        (error: unknown) => error instanceof SpoolFileError && error.field === field && error.file === (at ?? file) && error.message.startsWith(`${at ?? file}: `),
      );
    });
  }
});
