import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildReport } from '../../src/collector/report/fold.js';
import { tbotFold } from '../../src/collector/report/tbot/fold.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { makeWorkspace } from '../helpers/workspace.js';

describe('report aggregation', () => {
  it('counts events in the window across segments, and skips damaged lines without counting them', async () => {
    const workspace = await makeWorkspace('tbot-report-unit-');
    try {
      for (let day = 0; day < 5; day += 1) {
        const at = new Date(Date.now() - day * 86_400_000);
        const lines = Array.from({ length: 10 + day }, (_, i) =>
          JSON.stringify({
            received_at: at.toISOString(),
            event: { distinctId: crypto.randomUUID(), timestamp: at.toISOString(), start: { runMode: i % 2 ? 'RUN_MODE_DAEMON' : 'RUN_MODE_ONE_SHOT', version: '1.0.0', joinType: 'iam', destinationsOther: 1, destinationsDatabase: i % 3, destinationsKubernetes: 0, destinationsApplication: 0 } },
          }),
        );
        await writeFile(join(workspace.dir, segmentName(at)), `${lines.join('\n')}\n${day === 2 ? '{"received_at": garbage\n' : ''}`);
      }
      const since = new Date(Date.now() - 10 * 86_400_000);
      // Without a worker script (under tsx) the report runs on one thread;
      // test/e2e/collector-report.test.ts compares that with worker threads through the bundle.
      const report = await buildReport(tbotFold, 'tbot', workspace.dir, since);
      assert.equal(report.total, 60);
      assert.equal(report.skipped, 1);
      assert.deepEqual(report.breakdowns.run_mode, { 'one-shot': 31, continuous: 29 });
      const narrow = await buildReport(tbotFold, 'tbot', workspace.dir, new Date(Date.now() - 1.5 * 86_400_000));
      assert.equal(narrow.total, 10 + 11);
    } finally {
      await workspace.remove();
    }
  });
});
