/**
 * The forwarder paces itself on the monotonic clock: a wall clock that is set back (or stands
 * still) while a partial batch lingers for company must not hold that batch back. Before, the
 * linger's end was a Date.now() time, so setting the clock back a day held the batch for a day.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PostHogForwarder } from '../../src/collector/forward/posthog-forwarder.js';
import { segmentName } from '../../src/collector/store/segments.js';
import type { Logger } from '../../src/log/logger.js';
import { tbotEvent } from '../helpers/collector-process.js';
import { startPostHog } from '../helpers/posthog-stub.js';
import { makeWorkspace } from '../helpers/workspace.js';

const DAY = 86_400_000;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('forwarder timers and the wall clock', () => {
  it('a wall clock set back a day while one event lingers: it still goes out after the linger', { timeout: 15_000 }, async (t) => {
    const posthog = await startPostHog();
    const workspace = await makeWorkspace('tbot-forward-clock-');
    t.after(async () => {
      await posthog.close();
      await workspace.remove();
    });
    const storedAt = new Date();
    const event = tbotEvent();
    await writeFile(join(workspace.dir, segmentName(storedAt)), `${JSON.stringify({ received_at: storedAt.toISOString(), family: 'tbot', event })}\n`, { mode: 0o600 });
    // Only Date is mocked: timers run for real. The wall clock now reads a day earlier and stands still.
    t.mock.timers.enable({ apis: ['Date'], now: storedAt.getTime() - DAY });
    const forwarder = new PostHogForwarder({ dataDir: workspace.dir, host: posthog.url, apiKey: 'phc_test', logger: quiet, now: () => storedAt });
    await forwarder.start();
    try {
      // posthog.until's own deadline reads Date, which stands still here: wait on the stub's requests instead.
      while (posthog.accepted.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.deepEqual(
        posthog.accepted.map((accepted) => accepted.distinct_id),
        [event.distinctId],
      );
    } finally {
      await forwarder.close();
    }
  });
});
