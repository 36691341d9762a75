/** serve's activity line: what moved since the last line, read from the metrics; nothing when idle. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activityCounts, startActivitySummary, summaryFields } from '../../src/collector/activity-summary.js';
import { CollectorMetrics } from '../../src/collector/metrics.js';
import type { LogFields, Logger } from '../../src/log/logger.js';
import { ManualTimers } from '../helpers/manual-timers.js';

function capture(): { logger: Logger; lines: { message: string; fields: LogFields | undefined }[] } {
  const lines: { message: string; fields: LogFields | undefined }[] = [];
  const keep = (message: string, fields?: LogFields): void => void lines.push({ message, fields });
  return { logger: { debug: keep, info: keep, warn: keep, error: keep }, lines };
}

describe('activity summary', () => {
  it('says on start that it will summarize, at which interval', () => {
    const { logger, lines } = capture();
    const summary = startActivitySummary({ metrics: new CollectorMetrics(), logger, intervalMs: 60_000, timers: new ManualTimers(), forwarding: false });
    assert.deepEqual(lines, [{ message: 'logging a summary of activity every 1m while events arrive', fields: { interval: '1m' } }]);
    summary.stop();
  });

  it('logs what moved in each interval, and nothing in an interval where nothing did', () => {
    const metrics = new CollectorMetrics();
    const timers = new ManualTimers();
    const { logger, lines } = capture();
    const summary = startActivitySummary({ metrics, logger, intervalMs: 60_000, timers, forwarding: false });
    lines.length = 0;
    timers.advance(60_000);
    assert.equal(lines.length, 0, 'idle: no line');
    metrics.received += 5;
    metrics.accepted += 7;
    metrics.reject('schema');
    metrics.reject('too-large');
    metrics.reject('schema');
    timers.advance(59_999);
    assert.equal(lines.length, 0, 'not before the interval');
    timers.advance(1);
    assert.deepEqual(lines, [{ message: 'activity in the last 1m', fields: { requests: 5, accepted: 7, rejected: 3, rejected_schema: 2, rejected_too_large: 1 } }]);
    timers.advance(60_000);
    assert.equal(lines.length, 1, 'the counts are since the last line: idle again, no line');
    metrics.received += 1;
    metrics.accepted += 1;
    timers.advance(60_000);
    assert.deepEqual(lines[1]?.fields, { requests: 1, accepted: 1, rejected: 0 });
    summary.stop();
    assert.equal(timers.armed(), 0, 'stop leaves no timer armed');
    metrics.received += 1;
    timers.advance(600_000);
    assert.equal(lines.length, 2, 'nothing after stop');
  });

  it('with a forwarder, says what was forwarded and dead-lettered, and the backlog; forwarding alone is activity', () => {
    const metrics = new CollectorMetrics();
    metrics.forwardQueueDepth = () => 42;
    const timers = new ManualTimers();
    const { logger, lines } = capture();
    const summary = startActivitySummary({ metrics, logger, intervalMs: 30_000, timers, forwarding: true });
    lines.length = 0;
    metrics.forwarded += 8;
    metrics.deadLettered.set('invalid', 2);
    timers.advance(30_000);
    assert.deepEqual(lines, [{ message: 'activity in the last 30s', fields: { requests: 0, accepted: 0, rejected: 0, forwarded: 8, dead_lettered: 2, backlog: 42 } }]);
    summary.stop();
  });

  it('summaryFields takes differences of the counters, reason by reason', () => {
    const before = new CollectorMetrics();
    before.reject('decode');
    const after = new CollectorMetrics();
    after.reject('decode');
    after.reject('decode');
    after.received = 2;
    assert.deepEqual(summaryFields(activityCounts(before), activityCounts(after), undefined), { requests: 2, accepted: 0, rejected: 1, rejected_decode: 1 });
    assert.equal(summaryFields(activityCounts(after), activityCounts(after), 0), undefined);
  });
});
