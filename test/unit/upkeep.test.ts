/**
 * The collector's upkeep: a day's segment is sealed only once the day has been over for the grace
 * period, the store is told to close the day first, and passes repeat on a timer until close().
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UPKEEP_INTERVAL_MS, Upkeep } from '../../src/collector/upkeep.js';
import type { Logger } from '../../src/log/logger.js';
import { ManualTimers } from '../helpers/manual-timers.js';
import { makeWorkspace } from '../helpers/workspace.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('upkeep', () => {
  it('seals a day an hour after it ended, closing it in the store first, and runs again every interval until closed', async (t) => {
    const workspace = await makeWorkspace('tbot-upkeep-');
    t.after(() => workspace.remove());
    await writeFile(join(workspace.dir, 'events-2026-11-20.ndjson'), '{"received_at":"2026-11-20T23:59:59.000Z","family":"tbot","event":{}}\n', { mode: 0o600 });
    const closed: string[] = [];
    let now = new Date('2026-11-21T00:59:59.000Z');
    const timers = new ManualTimers();
    const upkeep = new Upkeep({
      dataDir: workspace.dir,
      store: { closeDaysBefore: async (day) => void closed.push(day) },
      logger: quiet,
      now: () => now,
      timers,
    });

    await upkeep.runOnce();
    assert.deepEqual(await readdir(workspace.dir), ['events-2026-11-20.ndjson']);
    now = new Date('2026-11-21T01:00:00.000Z');
    await upkeep.runOnce();
    assert.deepEqual(await readdir(workspace.dir), ['events-2026-11-20.ndjson.gz']);
    assert.deepEqual(closed, ['2026-11-20', '2026-11-21']);

    upkeep.start();
    // The first pass runs at once; the next one is armed when it ends.
    while (timers.armed() === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed.length, 3);
    assert.deepEqual(timers.delays, [UPKEEP_INTERVAL_MS]);
    timers.advance(UPKEEP_INTERVAL_MS);
    while (timers.delays.length < 2) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed.length, 4);
    assert.equal(timers.armed(), 1);
    await upkeep.close();
    assert.equal(timers.armed(), 0);
  });
});
