/** The Discover report's durations: rounded once, so no unit ever shows 60. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { duration } from '../../src/collector/report/discover/format.js';

describe('Discover report durations', () => {
  const cases: [number | null, string][] = [
    [null, '-'],
    [0, '0s'],
    [59.4, '59s'],
    [59.5, '1m00s'],
    [95, '1m35s'],
    [419.6, '7m00s'],
    [3599.4, '59m59s'],
    [3599.5, '1h00m'],
    [7260, '2h01m'],
  ];
  for (const [seconds, text] of cases) {
    it(`${seconds} s reads "${text}"`, () => assert.equal(duration(seconds), text));
  }
  it('never prints a unit of 60, on any tenth of a second up to two hours', () => {
    for (let tenths = 0; tenths < 72_000; tenths += 1) assert.doesNotMatch(duration(tenths / 10), /(^|[hm])60[ms]/);
  });
});
