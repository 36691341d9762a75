/** The Discover report's durations: rounded once, so no unit ever shows 60. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDiscoverTable } from '../../src/collector/report/discover/format.js';
import { duration } from '../../src/collector/report/duration.js';
import { formatDiscoverHtml } from '../../src/collector/report/discover/html.js';
import type { DiscoverReport } from '../../src/collector/report/discover/summary.js';

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
    [3629.9, '1h00m'],
    [3630, '1h01m'],
    [3659, '1h01m'],
    [7199.9, '2h00m'],
    [7260, '2h01m'],
    [86_399.6, '24h00m'],
  ];
  for (const [seconds, text] of cases) {
    it(`${seconds} s reads "${text}"`, () => assert.equal(duration(seconds), text));
  }
  it('never prints a unit of 60, on any tenth of a second up to two hours', () => {
    for (let tenths = 0; tenths < 72_000; tenths += 1) assert.doesNotMatch(duration(tenths / 10), /(^|[hm])60[ms]/);
  });
  it('the table and the page show a p90 of 419.6 s through the same function: 7m00s, never 6m60s', () => {
    const time = { count: 3, medianSeconds: 59.5, p90Seconds: 419.6 };
    const step = {
      step: 'tp.ui.discover.started',
      label: 'started',
      runs: 3,
      reached: 3,
      conversion: 1,
      dropOff: 0,
      dropOffRate: 0,
      time,
      errors: 0,
      errorRuns: 0,
      errorClasses: {},
      aborted: 0,
    };
    const report: DiscoverReport = {
      window: { since: '2026-11-01T00:00:00.000Z', until: '2026-11-08T00:00:00.000Z' },
      total: 3,
      skipped: 0,
      runs: 3,
      withoutResource: 0,
      completed: 3,
      resources: [{ resource: 'DISCOVER_RESOURCE_SERVER', runs: 3, completed: 3, completionRate: 1, startToCompletion: time, funnel: [step], mostErrorsAt: null, aborted: 0 }],
      errorClasses: {},
    };
    for (const text of [formatDiscoverTable(report), formatDiscoverHtml(report)]) {
      assert.match(text, /7m00s/);
      assert.match(text, /1m00s/);
      assert.doesNotMatch(text, /6m60s|0m60s|59\.5|419\.6/);
    }
  });
});
