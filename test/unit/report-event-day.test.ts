/**
 * The one rule for an event's day, across every report family: an event belongs to the day of its
 * own time (clamped to its arrival), and an event from before the window is left out, never moved
 * onto the window's first day. Each family gets the same two events, both arriving on the window's
 * first day: one that happened the evening before the window, one early on its first day.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANONYMOUS_CALLER, type IngestService } from '../../src/collector/ingest/service.js';
import { connectServices } from '../../src/collector/ingest/services/connect.js';
import { teleportEventServices } from '../../src/collector/ingest/services/teleport-events.js';
import { connectFold } from '../../src/collector/report/connect/fold.js';
import { summarizeConnect } from '../../src/collector/report/connect/summary.js';
import { discoverFold } from '../../src/collector/report/discover/fold.js';
import { summarizeDiscover } from '../../src/collector/report/discover/summary.js';
import type { Fold } from '../../src/collector/report/fold.js';
import { heartbeatFold } from '../../src/collector/report/heartbeat/fold.js';
import { productFold } from '../../src/collector/report/product/fold.js';
import { summarizeProduct } from '../../src/collector/report/product/format.js';
import { tbotFold } from '../../src/collector/report/tbot/fold.js';
import type { ReportWindow } from '../../src/collector/report/window.js';
import type { StoredRecord } from '../../src/collector/store/record.js';
import { heartbeatEvent, tbotEvent } from '../helpers/collector-process.js';
import { CONNECT_EXTRA, anon, connectRequest, discoverRequest, discoverStep } from '../helpers/usage-events.js';

const WINDOW: ReportWindow = { since: '2026-11-02T00:00:00.000Z', until: '2026-11-09T00:00:00.000Z' };
/** Both events arrive at noon on the window's first day. */
const ARRIVED = new Date('2026-11-02T12:00:00.000Z');
const BEFORE = '2026-11-01T23:00:00.000Z';
const FIRST_DAY = '2026-11-02T01:00:00.000Z';

function fold<R>(fold: Fold<R>, records: StoredRecord[]): R {
  const tally = fold.empty(WINDOW, {});
  for (const record of records) {
    assert.notEqual(fold.valid?.(record), false, 'a well-formed record');
    fold.add(tally, record);
  }
  return tally;
}

/** What the service stores from one request body, as records that arrived at ARRIVED. */
function accepted(service: IngestService, body: unknown, caller = ANONYMOUS_CALLER): StoredRecord[] {
  const result = service.accept('json', Buffer.from(JSON.stringify(body)), ARRIVED, caller);
  assert.ok(result.events.length > 0, 'the service accepted the request');
  return result.events.map((event, index) => ({ received_at: ARRIVED.toISOString(), family: result.families?.[index] ?? service.family, event }) as StoredRecord);
}

const tbotStart = (timestamp: string): StoredRecord => ({ received_at: ARRIVED.toISOString(), family: 'tbot', event: tbotEvent({ runMode: 'RUN_MODE_ONE_SHOT' }, { timestamp }) });

const heartbeat = (timestamp: string): StoredRecord => ({
  received_at: ARRIVED.toISOString(),
  family: 'tbot.heartbeat',
  event: heartbeatEvent({ renewals: 10, renewalFailures: 1 }, { timestamp }),
});

describe("the window's first day, the same in every family", () => {
  it('tbot starts: the one from before the window is left out, the other is on the first day', () => {
    const report = fold(tbotFold, [tbotStart(BEFORE), tbotStart(FIRST_DAY)]);
    assert.equal(report.total, 1);
    assert.deepEqual(Object.keys(report.perDay), ['2026-11-02']);
  });

  it('tbot heartbeats: likewise', () => {
    const report = fold(heartbeatFold, [heartbeat(BEFORE), heartbeat(FIRST_DAY)]);
    assert.equal(report.total, 1);
    assert.deepEqual(Object.keys(report.perDay), ['2026-11-02']);
  });

  it('Connect: left out too, not piled onto the first day', () => {
    const start = CONNECT_EXTRA.find((spec) => spec.member === 'start')!;
    const [early, late] = [crypto.randomUUID(), crypto.randomUUID()];
    const records = [...accepted(connectServices[1]!, connectRequest(start, early, BEFORE)), ...accepted(connectServices[1]!, connectRequest(start, late, FIRST_DAY))];
    const report = summarizeConnect(fold(connectFold, records));
    assert.equal(report.total, 1);
    assert.equal(report.installations, 1);
    assert.deepEqual(
      report.daily.map((day) => [day.day, day.active]),
      [['2026-11-02', 1]],
    );
  });

  it('Discover: the step from before the window is left out of its run', () => {
    const runId = crypto.randomUUID();
    const body = {
      events: [discoverRequest(discoverStep('started'), { runId, timestamp: BEFORE }), discoverRequest(discoverStep('resource selection'), { runId, timestamp: FIRST_DAY })],
    };
    const report = summarizeDiscover(fold(discoverFold, accepted(teleportEventServices[1]!, body)));
    assert.equal(report.total, 1);
    assert.deepEqual(
      report.resources[0]!.funnel.map((step) => step.label),
      ['resource selection'],
    );
  });

  it('product events: likewise', () => {
    const request = (timestamp: string) => ({ clusterName: anon('prod'), timestamp, userLogin: { userName: anon('alice'), connectorType: 'saml' } });
    const records = [BEFORE, FIRST_DAY].flatMap((timestamp) => accepted(teleportEventServices[0]!, request(timestamp), { tenant: 'acme' }));
    assert.equal(summarizeProduct(fold(productFold, records)).total, 1);
  });
});
