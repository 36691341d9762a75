import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, formatGoDuration, parseDuration } from '../../src/config/duration.js';

describe('Go-style durations', () => {
  // What Go's time.ParseDuration accepts, including tbot's own output (1m0s) and Go's odd corners (1.h, .5h, bare 0).
  const valid: [string, number][] = [
    ['250ms', 250],
    ['30s', 30_000],
    ['20m', 1_200_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0s', 0],
    ['1m0s', 60_000],
    ['1h0m0s', 3_600_000],
    ['42m0s', 2_520_000],
    ['1.h', 3_600_000],
    ['.5h', 1_800_000],
    ['0', 0],
    ['1500us', 2],
    ['2000000ns', 2],
    ['3µs', 0],
  ];
  for (const [text, ms] of valid) it(`${text} = ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  for (const text of ['', '20', 'm', '1d', '-1s', '1h 30m', '.h', '1', 'h1']) it(`${JSON.stringify(text)} is rejected`, () => assert.equal(parseDuration(text), undefined));
  it('formats back to the largest whole unit', () => {
    assert.equal(formatDuration(3_600_000), '1h');
    assert.equal(formatDuration(1_200_000), '20m');
    assert.equal(formatDuration(1_500), '1500ms');
  });
  it('formats as Go prints a time.Duration (what tbot writes in configs)', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [250, '250ms'],
      [30_000, '30s'],
      [60_000, '1m0s'],
      [2_520_000, '42m0s'],
      [3_600_000, '1h0m0s'],
      [5_430_500, '1h30m30.5s'],
      [86_400_000, '24h0m0s'],
    ];
    for (const [ms, text] of cases) {
      assert.equal(formatGoDuration(ms), text);
      assert.equal(parseDuration(text), ms, `${text} parses back`);
    }
  });
});
