/**
 * The heartbeat's pure parts: schedule and buckets, the renewal tally, the event, the contract in
 * agent.proto (names and numbers, and an independent encoder agreeing byte for byte), its PostHog
 * mapping and its report fold.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { fromBinary, fromJson, toBinary, type DescField } from '@bufbuild/protobuf';
import protobuf from 'protobufjs';
import {
  buildHeartbeatEvent,
  firstHeartbeatDelayMs,
  HEARTBEAT_INTERVAL_MS,
  heartbeatIntervalMs,
  nextBeatAt,
  scheduleHeartbeats,
  uptimeBucket,
} from '../../src/analytics/heartbeat.js';
import { countRenewals } from '../../src/agent/count-renewals.js';
import { RenewalTally } from '../../src/analytics/renewal-tally.js';
import type { OutputTask } from '../../src/agent/output-task.js';
import type { BotConfig } from '../../src/config/types.js';
import { RenewalError } from '../../src/errors.js';
import { toPostHogEvent } from '../../src/collector/forward/posthog-event.js';
import { failureRate, heartbeatFold } from '../../src/collector/report/heartbeat/fold.js';
import { messageSchema, serviceSchema } from '../../src/protocol/descriptors.js';
import { fromWireHeartbeat, toWireHeartbeat, type SubmitHeartbeatRequest, type TbotHeartbeatEvent } from '../../src/protocol/heartbeat-wire.js';
import type { TbotHeartbeat } from '../../src/analytics/services.js';
import type { Logger } from '../../src/log/logger.js';
import type { Reporter, ReporterEvent } from '../../src/reporting/index.js';
import { MAX_TIMER_DELAY_MS } from '../../src/time/timer.js';
import { ManualTimers } from '../helpers/manual-timers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const memory = { type: 'memory' } as const;
const lifetime = { credentialTtlMs: HOUR, renewalIntervalMs: 20 * 60_000 };
const config: BotConfig = {
  joinMethod: 'github',
  storage: memory,
  oneshot: false,
  credentialTtlMs: HOUR,
  renewalIntervalMs: 20 * 60_000,
  debug: false,
  warnings: [],
  runIssues: [],
  outputs: [
    { type: 'identity', name: 'id-1', roles: [], lifetime, destination: memory, sshConfig: 'on', allowReissue: false },
    { type: 'identity', name: 'id-2', roles: [], lifetime, destination: memory, sshConfig: 'on', allowReissue: false },
    { type: 'database', name: 'db', roles: [], lifetime, service: 'pg', format: 'default', destination: memory },
    { type: 'ssh_host', name: 'host', roles: [], lifetime, principals: ['h'], destination: memory },
    { type: 'spiffe-svid', name: 'svid', roles: [], lifetime, svid: { path: '/x', dnsSans: [], ipSans: [] }, jwts: [], includeFederatedTrustBundles: false, destination: memory },
  ],
};

describe('heartbeat schedule', () => {
  it('comes once a day; the test-only variable shortens it, and nothing else does', () => {
    assert.equal(HEARTBEAT_INTERVAL_MS, DAY);
    assert.equal(heartbeatIntervalMs({}), DAY);
    assert.equal(heartbeatIntervalMs({ TBOT_TEST_HEARTBEAT_INTERVAL_MS: '250' }), 250);
    for (const text of ['', '5', '-100', '1e3', '10s', String(2 * DAY)]) assert.equal(heartbeatIntervalMs({ TBOT_TEST_HEARTBEAT_INTERVAL_MS: text }), DAY, text);
  });

  it('the first one is 24 h after start, ± 1 h', () => {
    assert.equal(firstHeartbeatDelayMs(DAY, 0), DAY - HOUR);
    assert.equal(firstHeartbeatDelayMs(DAY, 0.5), DAY);
    const latest = firstHeartbeatDelayMs(DAY, 0.999999);
    assert.ok(latest <= DAY + HOUR && latest > DAY + HOUR - 100, String(latest));
  });

  it('uptime is bucketed by whole days: 1d, 2–7d, 8–30d, >30d', () => {
    const rows: [number, string][] = [
      [23 * HOUR, '1d'],
      [25 * HOUR, '1d'],
      [47 * HOUR, '2-7d'],
      [7 * DAY, '2-7d'],
      [8 * DAY - 2 * HOUR, '8-30d'],
      [30 * DAY, '8-30d'],
      [31 * DAY, '>30d'],
      [400 * DAY, '>30d'],
    ];
    for (const [uptime, bucket] of rows) assert.equal(uptimeBucket(uptime, DAY), bucket, `${uptime / HOUR} h`);
  });
});

/**
 * A heartbeat schedule on a hand-moved monotonic clock, with a wall clock the test can set to
 * anything: what the reporter was given, and every timer delay asked for.
 */
function manualSchedule(intervalMs: number) {
  const timers = new ManualTimers();
  let wallOffsetMs = 0;
  const wall = (): Date => new Date(Date.UTC(2026, 11, 1) + timers.monotonicMs() + wallOffsetMs);
  const beats: TbotHeartbeatEvent[] = [];
  const reporter = {
    capture: (event: ReporterEvent<TbotHeartbeatEvent>) => {
      beats.push(event.fields);
      return false;
    },
    flush: async () => undefined,
    close: async () => ({ complete: true }),
  } as unknown as Reporter<typeof TbotHeartbeat>;
  const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
  const schedule = scheduleHeartbeats({
    config,
    version: '1.2.3',
    tally: new RenewalTally(),
    reporter,
    intervalMs,
    startedAt: wall(),
    now: wall,
    // 0.5: no jitter, the first beat exactly one interval after start.
    random: () => 0.5,
    logger: quiet,
    timers,
  });
  return { timers, beats, schedule, jumpWallClock: (ms: number) => (wallOffsetMs += ms) };
}

describe('heartbeat schedule against clock jumps', () => {
  const everyDelayHonoured = (delays: number[]): void => {
    const bad = delays.filter((delay) => !(delay >= 0 && delay <= MAX_TIMER_DELAY_MS));
    assert.deepEqual(bad, [], 'every timer delay within what setTimeout honours');
  };

  it('positive control: one beat per interval, uptime counted in whole days', () => {
    const { timers, beats, schedule } = manualSchedule(DAY);
    timers.advance(10 * DAY + HOUR);
    schedule.stop();
    assert.equal(beats.length, 10);
    assert.deepEqual(
      beats.map((beat) => beat.uptime_bucket),
      ['1d', '2-7d', '2-7d', '2-7d', '2-7d', '2-7d', '2-7d', '8-30d', '8-30d', '8-30d'],
    );
    everyDelayHonoured(timers.delays);
  });

  for (const [direction, jumpMs] of [
    ['forward', 30 * DAY],
    ['backward', -30 * DAY],
  ] as const) {
    it(`the wall clock jumping 30 days ${direction} neither bursts nor stalls the beats, nor spins a timer`, () => {
      const { timers, beats, schedule, jumpWallClock } = manualSchedule(500);
      timers.advance(1_200);
      assert.equal(beats.length, 2);
      jumpWallClock(jumpMs);
      // 5 s at the 500 ms test interval: 10 beats, where the wall-clock schedule sent about 1,500 (forward) or spun (backward).
      timers.advance(5_000);
      schedule.stop();
      assert.equal(beats.length, 12);
      assert.ok(timers.fired <= 13, `${timers.fired} timer callbacks`);
      assert.ok(
        beats.every((beat) => beat.uptime_bucket !== '>30d'),
        'uptime from the monotonic clock',
      );
      everyDelayHonoured(timers.delays);
    });
  }

  it('after the process was stopped for 30 days, exactly one catch-up beat, then back on the grid', () => {
    const { timers, beats, schedule } = manualSchedule(DAY);
    timers.advance(2 * DAY + HOUR);
    assert.equal(beats.length, 2);
    timers.stall(30 * DAY);
    timers.advance(0);
    assert.equal(beats.length, 3, 'one catch-up beat on resuming');
    assert.equal(timers.armed(), 1);
    // Resumed at 32 d + 1 h: the next point of the start + n days grid is 33 d.
    timers.advance(DAY - HOUR - 1);
    assert.equal(beats.length, 3);
    timers.advance(1);
    assert.equal(beats.length, 4);
    schedule.stop();
    assert.equal(timers.armed(), 0, 'stop leaves no timer');
    everyDelayHonoured(timers.delays);
  });

  it('nextBeatAt: the next grid point strictly after now, however far behind', () => {
    assert.equal(nextBeatAt(1_000, 500, 0), 1_000);
    assert.equal(nextBeatAt(1_000, 500, 1_000), 1_500);
    assert.equal(nextBeatAt(1_000, 500, 1_499), 1_500);
    assert.equal(nextBeatAt(1_000, 500, 1_000 + 30 * DAY + 1), 1_000 + 30 * DAY + 500);
  });
});

describe('renewal tally', () => {
  it('counts each output renewal outcome and starts over when taken', async () => {
    const tally = new RenewalTally();
    let fail = false;
    const inner: OutputTask = {
      name: 'out',
      kind: 'identity',
      lifetime,
      renew: async ({ now }) => {
        if (fail) throw new RenewalError('x', 'boom');
        return { expiresAt: now };
      },
    };
    const [task] = countRenewals([inner], tally);
    const context = { now: new Date(), signal: new AbortController().signal };
    await task!.renew(context);
    await task!.renew(context);
    fail = true;
    await assert.rejects(task!.renew(context), RenewalError);
    assert.deepEqual(tally.take(), { renewals: 2, failures: 1 });
    assert.deepEqual(tally.take(), { renewals: 0, failures: 0 });
  });
});

describe('the heartbeat event and its wire form', () => {
  const event = buildHeartbeatEvent(config, '1.2.3', { renewals: 71, failures: 2 }, 3 * DAY, DAY);

  it("holds the version, join type, run mode, the day's renewals and failures, outputs by kind and the uptime bucket", () => {
    assert.deepEqual(event, {
      run_mode: 'continuous',
      version: '1.2.3',
      join_type: 'github',
      renewals_24h: 71,
      renewal_failures_24h: 2,
      outputs_identity: 2,
      outputs_database: 1,
      outputs_kubernetes: 0,
      outputs_application: 0,
      outputs_ssh_host: 1,
      outputs_spiffe_svid: 1,
      uptime_bucket: '2-7d',
    });
    assert.deepEqual(fromWireHeartbeat(toWireHeartbeat(event)), event);
  });

  it('agent.proto carries our names and numbers, in our own package', () => {
    const describeFields = (fields: readonly DescField[]) =>
      fields.map(
        (field) =>
          `${field.number} ${field.name} ${field.jsonName} ${field.fieldKind === 'enum' ? field.enum.typeName : field.fieldKind === 'scalar' ? `scalar:${field.scalar}` : field.fieldKind === 'message' ? field.message.typeName : field.fieldKind}`,
      );
    assert.deepEqual(describeFields(messageSchema('tbotanalytics.v1.SubmitHeartbeatRequest').fields), [
      '1 distinct_id distinctId scalar:9',
      '2 timestamp timestamp google.protobuf.Timestamp',
      '3 heartbeat heartbeat tbotanalytics.v1.AgentHeartbeat',
    ]);
    assert.deepEqual(describeFields(messageSchema('tbotanalytics.v1.AgentHeartbeat').fields), [
      '1 run_mode runMode tbotanalytics.v1.AgentHeartbeat.RunMode',
      '2 version version scalar:9',
      '3 join_type joinType scalar:9',
      '4 renewals renewals scalar:5',
      '5 renewal_failures renewalFailures scalar:5',
      '6 outputs_identity outputsIdentity scalar:5',
      '7 outputs_database outputsDatabase scalar:5',
      '8 outputs_kubernetes outputsKubernetes scalar:5',
      '9 outputs_application outputsApplication scalar:5',
      '10 outputs_ssh_host outputsSshHost scalar:5',
      '11 outputs_spiffe_svid outputsSpiffeSvid scalar:5',
      '12 uptime_bucket uptimeBucket tbotanalytics.v1.AgentHeartbeat.UptimeBucket',
    ]);
    const service = serviceSchema('tbotanalytics.v1.AgentReportingService');
    assert.deepEqual(
      service.methods.map((method) => [method.name, method.input.typeName, method.output.typeName]),
      [['SubmitHeartbeat', 'tbotanalytics.v1.SubmitHeartbeatRequest', 'tbotanalytics.v1.SubmitHeartbeatResponse']],
    );
  });

  it("protobufjs, reading agent.proto on its own, encodes the agent's ProtoJSON to the same bytes", () => {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : resolve(fileURLToPath(new URL('../../schemas/', import.meta.url)), target));
    root.loadSync('tbotanalytics/v1/agent.proto', { keepCase: true });
    const Request = root.lookupType('tbotanalytics.v1.SubmitHeartbeatRequest');
    const json: SubmitHeartbeatRequest = { distinctId: '0b6e3a52-6e7c-4c8e-9a51-5f1d2f8f0b1a', timestamp: '2026-11-18T11:06:40.123Z', heartbeat: toWireHeartbeat(event) };
    const independent = Request.encode(
      Request.fromObject({
        distinct_id: json.distinctId,
        timestamp: { seconds: Date.parse(json.timestamp) / 1000 - 0.123, nanos: 123_000_000 },
        heartbeat: {
          run_mode: 2,
          version: '1.2.3',
          join_type: 'github',
          renewals: 71,
          renewal_failures: 2,
          outputs_identity: 2,
          outputs_database: 1,
          outputs_ssh_host: 1,
          outputs_spiffe_svid: 1,
          uptime_bucket: 2,
        },
      }),
    ).finish();
    const schema = messageSchema('tbotanalytics.v1.SubmitHeartbeatRequest');
    assert.deepEqual(Buffer.from(toBinary(schema, fromJson(schema, json as never))), Buffer.from(independent));
    assert.ok(fromBinary(schema, independent));
  });
});

describe('the heartbeat downstream', () => {
  const wire = (
    renewals: number,
    failures: number,
    bucket: 'UPTIME_BUCKET_1D' | 'UPTIME_BUCKET_OVER_30D',
    version = '1.2.3',
    timestamp = '2026-11-20T10:00:00.000Z',
  ): SubmitHeartbeatRequest => ({
    distinctId: crypto.randomUUID(),
    timestamp,
    heartbeat: { ...toWireHeartbeat(buildHeartbeatEvent(config, version, { renewals, failures }, DAY, DAY)), uptimeBucket: bucket },
  });

  it('goes to PostHog as tbot.heartbeat with usage-metrics names, no person profile and GeoIP off', () => {
    const event = wire(72, 0, 'UPTIME_BUCKET_1D');
    const mapped = toPostHogEvent({ received_at: '2026-11-20T10:00:01.000Z', family: 'tbot.heartbeat', event });
    assert.equal(mapped.event, 'tbot.heartbeat');
    assert.equal(mapped.distinct_id, event.distinctId);
    assert.equal(mapped.timestamp, event.timestamp);
    assert.deepEqual(mapped.properties, { ...fromWireHeartbeat(event.heartbeat), $process_person_profile: false, $geoip_disable: true });
    assert.equal(mapped.properties['renewals_24h'], 72);
  });

  it("folds into agents per day (by the heartbeat's own time) and the failure rate per day, the same on one thread or merged from several", () => {
    const window = { since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' };
    const record = (receivedAt: string, event: SubmitHeartbeatRequest) => ({ received_at: receivedAt, family: 'tbot.heartbeat' as const, event });
    const records = [
      record('2026-11-20T10:00:01.000Z', wire(72, 0, 'UPTIME_BUCKET_1D', '1.2.3', '2026-11-20T10:00:00.000Z')),
      record('2026-11-20T11:00:01.000Z', wire(70, 2, 'UPTIME_BUCKET_OVER_30D', '1.2.3', '2026-11-20T11:00:00.000Z')),
      // Sent just before midnight, received just after: it counts for the day it was sent.
      record('2026-11-21T00:00:01.000Z', wire(24, 0, 'UPTIME_BUCKET_1D', '1.3.0', '2026-11-20T23:59:59.000Z')),
      record('2026-11-22T10:00:01.000Z', wire(10, 0, 'UPTIME_BUCKET_1D', '1.3.0', '2026-11-22T10:00:00.000Z')),
    ];
    const whole = heartbeatFold.empty(window, {});
    for (const each of records) heartbeatFold.add(whole, each);
    // Outside the window: counted nowhere.
    heartbeatFold.add(whole, record('2026-12-02T10:00:01.000Z', wire(5, 5, 'UPTIME_BUCKET_1D', '1.3.0', '2026-12-02T10:00:00.000Z')));
    // Damaged records never reach add(): scan() asks valid() first and counts them as skipped.
    assert.equal(heartbeatFold.valid!(record('2026-11-21T10:00:01.000Z', { heartbeat: null } as never)), false);
    assert.equal(heartbeatFold.valid!(record('2026-11-21T10:00:01.000Z', { ...records[0]!.event, heartbeat: { ...records[0]!.event.heartbeat, renewals: -1 } })), false);
    assert.ok(records.every((each) => heartbeatFold.valid!(each)));
    heartbeatFold.skip(whole);
    assert.deepEqual({ ...whole.perDay }, { '2026-11-20': { agents: 3, renewals: 166, failures: 2 }, '2026-11-22': { agents: 1, renewals: 10, failures: 0 } });
    assert.equal(whole.total, 4);
    assert.equal(whole.skipped, 1);
    assert.deepEqual(whole.uptime, { '1d': 3, '2-7d': 0, '8-30d': 0, '>30d': 1 });
    assert.deepEqual({ ...whole.versions }, { '1.2.3': 2, '1.3.0': 2 });
    assert.equal(failureRate(whole.perDay['2026-11-20']!), 2 / 168);
    assert.equal(failureRate({ agents: 1, renewals: 0, failures: 0 }), undefined);

    const [a, b] = [heartbeatFold.empty(window, {}), heartbeatFold.empty(window, {})];
    heartbeatFold.add(a, records[0]!);
    for (const each of records.slice(1)) heartbeatFold.add(b, each);
    heartbeatFold.skip(b);
    const merged = heartbeatFold.empty(window, {});
    heartbeatFold.merge(merged, a);
    heartbeatFold.merge(merged, b);
    assert.deepEqual(JSON.parse(JSON.stringify(merged)), JSON.parse(JSON.stringify(whole)));
  });

  it('--version and --run-mode narrow heartbeats as they narrow starts', () => {
    const window = { since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' };
    const records = ['1.2.3', '1.3.0', '1.3.0'].map((version) => ({
      received_at: '2026-11-20T10:00:01.000Z',
      family: 'tbot.heartbeat' as const,
      event: wire(1, 0, 'UPTIME_BUCKET_1D', version),
    }));
    const only = (filters: object) => {
      const report = heartbeatFold.empty(window, filters);
      for (const each of records) heartbeatFold.add(report, each);
      return report.total;
    };
    assert.equal(only({ version: '1.3.0' }), 2);
    assert.equal(only({ runMode: 'continuous' }), 3);
    assert.equal(only({ runMode: 'one-shot' }), 0);
  });
});
