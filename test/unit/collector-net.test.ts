import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../../src/collector/forward/posthog-forwarder.js';
import { clientKey } from '../../src/net/client-key.js';
import { retryAfterMs } from '../../src/net/retry-after.js';

describe('Retry-After', () => {
  const now = new Date('2026-03-04T05:06:07.000Z');
  const cases: [string | null, number | undefined][] = [
    [null, undefined],
    ['', undefined],
    ['0', 0],
    ['120', 120_000],
    [' 7 ', 7_000],
    ['Wed, 04 Mar 2026 05:06:37 GMT', 30_000],
    ['Wednesday, 04-Mar-26 05:06:37 GMT', 30_000],
    ['Wed Mar  4 05:06:37 2026', 30_000],
    ['Wed, 04 Mar 2026 05:00:00 GMT', 0], // in the past: no wait, never negative
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['2026', 2_026_000], // delay-seconds, not a year
  ];
  for (const [value, expected] of cases) it(`${JSON.stringify(value)} → ${expected}`, () => assert.equal(retryAfterMs(value, now), expected));
});

describe('PostHog answer classes', () => {
  const cases: [number, string][] = [
    [400, 'refused'],
    [422, 'refused'],
    [413, 'refused'],
    [401, 'retry'],
    [403, 'retry'],
    [404, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ];
  for (const [status, kind] of cases) it(`HTTP ${status} → ${kind}`, () => assert.equal(classify(status, '', undefined).kind, kind));
  it('keeps a short, single-line piece of the answer and the Retry-After', () => {
    const outcome = classify(429, `{"type":\n"rate_limited"}${'x'.repeat(500)}`, 3_000);
    assert.deepEqual(outcome, { kind: 'retry', detail: `HTTP 429: {"type": "rate_limited"}${'x'.repeat(176)}`, retryAfterMs: 3_000 });
  });
});

describe('per-client connection key', () => {
  const cases: [string | undefined, string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0000:0002::1', '2001:db8:0:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['1::2:3:4:5:6.7.8.9', '1:0:2:3::/64'],
    [undefined, ''],
  ];
  for (const [address, key] of cases) it(`${address} → ${key}`, () => assert.equal(clientKey(address), key));
});
