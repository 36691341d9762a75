import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

describe('Go-style durations', () => {
  const valid: [string, number][] = [['250ms', 250], ['30s', 30_000], ['20m', 1_200_000], ['1h', 3_600_000], ['1h30m', 5_400_000], ['1.5h', 5_400_000], ['0s', 0]];
  for (const [text, ms] of valid) it(`${text} = ${ms} ms`, () => assert.equal(parseDuration(text), ms));
  for (const text of ['', '20', 'm', '1d', '-1s', '1h 30m', '1.h']) it(`${JSON.stringify(text)} is rejected`, () => assert.equal(parseDuration(text), undefined));
  it('formats back to the largest whole unit', () => {
    assert.equal(formatDuration(3_600_000), '1h');
    assert.equal(formatDuration(1_200_000), '20m');
    assert.equal(formatDuration(1_500), '1500ms');
  });
});
