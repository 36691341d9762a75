import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInstant, formatInstant, parseRfc3339 } from '../../src/protocol/rfc3339.js';

const canonical = (text: string): string => {
  const parsed = parseRfc3339(text);
  assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.reason}`);
  return formatInstant(parsed.instant);
};

describe('RFC 3339 timestamps, checked field by field', () => {
  const accepted: [string, string][] = [
    ['2026-11-23T07:58:05.485Z', '2026-11-23T07:58:05.485Z'],
    ['2026-11-23T07:58:05Z', '2026-11-23T07:58:05.000Z'],
    ['2026-11-23T07:58:05.1Z', '2026-11-23T07:58:05.100Z'],
    ['2026-11-23T07:58:05.123456Z', '2026-11-23T07:58:05.123456Z'],
    ['2026-11-23T07:58:05.123456789Z', '2026-11-23T07:58:05.123456789Z'],
    ['2026-11-23T07:58:05.120000000Z', '2026-11-23T07:58:05.120Z'],
    ['2026-11-23T09:58:05+02:00', '2026-11-23T07:58:05.000Z'],
    ['2026-11-23T00:30:00-05:30', '2026-11-23T06:00:00.000Z'],
    ['2026-01-01T00:30:00+01:00', '2025-12-31T23:30:00.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0099-06-01T00:00:00Z', '0099-06-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59.999999999Z'],
  ];
  for (const [input, expected] of accepted) it(`${input} → ${expected}`, () => assert.equal(canonical(input), expected));

  const refused: [string, RegExp][] = [
    ['2026-19-39T29:69:69Z', /month 19/],
    ['0000-00-00T00:00:00Z', /year 0000/],
    ['2099-99-99T00:00:00Z', /month 99/],
    ['2026-13-45T99:99:99Z', /month 13/],
    ['2026-02-30T00:00:00Z', /day 30 does not exist in 2026-02/],
    ['2026-02-29T00:00:00Z', /day 29/],
    ['1900-02-29T00:00:00Z', /day 29/],
    ['2026-04-31T00:00:00Z', /day 31/],
    ['2026-02-28T24:00:00Z', /time 24:00:00/],
    ['2026-12-31T23:59:60Z', /time 23:59:60/],
    ['2026-01-01T00:00:00+24:00', /offset/],
    ['0001-01-01T00:00:00+00:01', /outside/],
    ['9999-12-31T23:59:59-00:01', /outside/],
    ['2026-01-01T00:00:00', /not an RFC 3339/],
    ['2026-01-01', /not an RFC 3339/],
    ['2026-01-01 00:00:00Z', /not an RFC 3339/],
    ['2026-01-01T00:00:00.Z', /not an RFC 3339/],
    ['2026-01-01T00:00:00.1234567890Z', /not an RFC 3339/],
    ['+02026-01-01T00:00:00Z', /not an RFC 3339/],
    ['yesterday', /not an RFC 3339/],
  ];
  for (const [input, reason] of refused) {
    it(`refuses ${input}`, () => {
      const parsed = parseRfc3339(input);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.reason, reason);
    });
  }

  it('range-checks binary Timestamps: seconds 2^62, before 0001-01-01, nanos outside 0..999999999', () => {
    assert.equal(checkInstant(Number(2n ** 62n), 0).ok, false);
    assert.equal(checkInstant(-62_135_596_801, 0).ok, false);
    assert.equal(checkInstant(253_402_300_800, 0).ok, false);
    assert.equal(checkInstant(0, 1_000_000_000).ok, false);
    assert.equal(checkInstant(0, -1).ok, false);
    assert.equal(checkInstant(-62_135_596_800, 0).ok, true);
    assert.equal(checkInstant(253_402_300_799, 999_999_999).ok, true);
  });
});

describe('RFC 3339 calendar arithmetic agrees with JavaScript dates', () => {
  it('formats 20,000 random instants from 0001 to 9999 as toISOString does, and parses them back', () => {
    for (let i = 0; i < 20_000; i += 1) {
      const seconds = Math.floor(-62_135_596_800 + Math.random() * (253_402_300_799 + 62_135_596_800));
      const formatted = formatInstant({ seconds, nanos: 0 });
      assert.equal(formatted, new Date(seconds * 1000).toISOString(), String(seconds));
      const parsed = parseRfc3339(formatted);
      assert.ok(parsed.ok && parsed.instant.seconds === seconds, formatted);
    }
  });
});
