/** The reporter in-process against a real loopback receiver: schema checks, ids, refusals after close. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TBOT_REPORTING_SERVICE, TbotStart } from '../../src/analytics/services.js';
import type { TbotStartEvent } from '../../src/protocol/tbot-wire.js';
import { createReporter, EphemeralDistinctId, fixedConsent, PerEventDistinctId, ReporterConfigError, type DistinctIdSource } from '../../src/reporting/index.js';
import { RingBuffer } from '../../src/reporting/ring-buffer.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';

const START: TbotStartEvent = {
  run_mode: 'continuous',
  version: '1.2.3',
  join_type: 'iam',
  destinations_configured: 1,
  destinations_configured_database_access: 0,
  destinations_configured_kubernetes_access: 0,
  destinations_configured_application_access: 0,
};

describe('reporter', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver('ok');
  });
  after(() => receiver.close());

  const reporter = (identity: DistinctIdSource = new PerEventDistinctId(), lines: string[] = []) =>
    createReporter({
      service: TBOT_REPORTING_SERVICE,
      endpoint: receiver.url,
      consent: fixedConsent(true),
      identity,
      logger: { debug: (line, fields) => lines.push(`${line}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`) },
    });

  it('an event that fails its schema is not sent, and one debug line says why', async () => {
    const lines: string[] = [];
    const subject = reporter(new PerEventDistinctId(), lines);
    const before = receiver.requests.length;
    subject.capture(TbotStart.create({ ...START, version: 'latest' }));
    subject.capture(TbotStart.create({ ...START, join_type: 'alice.example.com' }));
    subject.capture(TbotStart.create(START));
    await subject.flush();
    assert.equal(receiver.requests.length, before + 1);
    assert.equal(JSON.parse(receiver.requests.at(-1)!.body).start.version, '1.2.3');
    assert.deepEqual(
      lines.filter((line) => line.includes('not sent')),
      [
        'analytics not sent: tbot.start failed its schema: /start/version must match pattern "^v?[0-9]+\\.[0-9]+\\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$"',
        'analytics not sent: tbot.start failed its schema: /start/joinType must be equal to one of the allowed values',
      ],
    );
    assert.deepEqual(subject.stats(), { ...subject.stats(), rejected: 2, sent: 1 });
  });

  it('ephemeral: one id for every event of a reporter; per-event: a new id each time', async () => {
    const before = receiver.requests.length;
    for (const identity of [new EphemeralDistinctId(), new PerEventDistinctId()]) {
      const subject = reporter(identity);
      for (let i = 0; i < 3; i += 1) subject.capture(TbotStart.create(START));
      await subject.flush();
    }
    const ids = receiver.requests.slice(before).map((request) => JSON.parse(request.body).distinctId as string);
    assert.equal(ids.length, 6);
    assert.equal(new Set(ids.slice(0, 3)).size, 1);
    assert.equal(new Set(ids.slice(3)).size, 3);
  });

  it('after close() nothing more is captured; flush() and close() settle even with nothing to send', async () => {
    const subject = reporter();
    await subject.flush();
    assert.deepEqual(await subject.close(), { complete: true, abandoned: 0 });
    assert.equal(subject.capture(TbotStart.create(START)), false);
    assert.equal(subject.stats().refused, 1);
    assert.deepEqual(await subject.close(), { complete: true, abandoned: 0 });
  });

  it('a batch interval past the 2^31-1 ms timer limit waits, rather than sending after 1 ms', async () => {
    const subject = createReporter({
      service: TBOT_REPORTING_SERVICE,
      endpoint: receiver.url,
      consent: fixedConsent(true),
      identity: new PerEventDistinctId(),
      batch: { size: 50, intervalMs: 30 * 86_400_000 },
    });
    const before = receiver.requests.length;
    subject.capture(TbotStart.create(START));
    // A 1 ms timer armed before this 20 ms one fires first: an unclamped interval would have sent by now.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(subject.stats().buffered, 1);
    assert.equal(receiver.requests.length, before);
    await subject.close();
    assert.equal(receiver.requests.length, before + 1, 'close still sends it');
  });

  it('refuses an endpoint that could carry a tag, and a batch size of zero', () => {
    const options = { service: TBOT_REPORTING_SERVICE, consent: fixedConsent(true), identity: new PerEventDistinctId() };
    assert.throws(() => createReporter({ ...options, endpoint: 'https://collector.test/?user=alice' }), ReporterConfigError);
    assert.throws(() => createReporter({ ...options, endpoint: receiver.url, batch: { size: 0 } }), /batch\.size: 0/);
  });
});

describe('RingBuffer', () => {
  it('keeps the newest `capacity` items in order, handing back each one it drops', () => {
    const ring = new RingBuffer<number>(3);
    const dropped = [1, 2, 3, 4, 5].map((n) => ring.push(n));
    assert.deepEqual(dropped, [undefined, undefined, undefined, 1, 2]);
    assert.equal(ring.peek(), 3);
    assert.deepEqual(ring.take(2), [3, 4]);
    ring.push(6);
    ring.push(7);
    assert.deepEqual(ring.take(10), [5, 6, 7]);
    assert.equal(ring.size, 0);
  });
});
