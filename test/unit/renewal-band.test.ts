/** The usual renewal failure rate: median + 3 robust SD (MAD × 1.4826), at least 1 point wide, from 7 days on. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renewalHealth, usualBand } from '../../src/collector/report/heartbeat/band.js';
import { heartbeatFold } from '../../src/collector/report/heartbeat/fold.js';

describe('usual renewal failure rate', () => {
  it('needs 7 days with renewals; fewer define no band', () => {
    assert.equal(usualBand([0.01, 0.02, 0.01, 0.02, 0.01, 0.02]), null);
    assert.notEqual(usualBand([0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01]), null);
  });

  it('is the median plus 3 × 1.4826 × MAD, and never narrower than one percentage point', () => {
    // Median 0.03, deviations 0.02, 0.01, 0, 0, 0.01, 0.02, 0.05 → MAD 0.01 → upper 0.03 + 0.044478.
    const band = usualBand([0.01, 0.02, 0.03, 0.03, 0.04, 0.05, 0.08])!;
    assert.equal(band.median, 0.03);
    assert.ok(Math.abs(band.mad - 0.01) < 1e-12);
    assert.ok(Math.abs(band.upper - (0.03 + 3 * 1.4826 * 0.01)) < 1e-12);
    // A fleet that never fails: MAD 0, so the floor keeps one failure in a thousand usual.
    assert.equal(usualBand([0, 0, 0, 0, 0, 0, 0, 0])!.upper, 0.01);
    // An even count takes the mean of the two middle rates.
    assert.equal(usualBand([0, 0, 0, 0, 0.02, 0.02, 0.02, 0.02])!.median, 0.01);
  });

  it('marks the days above the band, from the heartbeats of the window', () => {
    const report = heartbeatFold.empty({ since: '2026-11-01T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' }, {});
    for (let day = 1; day <= 10; day += 1)
      report.perDay[`2026-11-${String(day).padStart(2, '0')}`] = { agents: 2, renewals: 100 - (day === 6 ? 7 : 1), failures: day === 6 ? 7 : 1 };
    // A day without any attempt has no rate and is neither counted nor marked.
    report.perDay['2026-11-11'] = { agents: 1, renewals: 0, failures: 0 };
    const { band, daysAbove } = renewalHealth(report);
    assert.equal(band!.days, 10);
    assert.deepEqual(daysAbove, [{ day: '2026-11-06', rate: 0.07 }]);
  });
});
