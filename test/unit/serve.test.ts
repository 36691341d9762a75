/** serve() runs in-process with its side effects passed in: the clock decides the stored time, logs go to the runtime. */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventUuid } from '../../src/collector/store/event-identity.js';
import { serve } from '../../src/collector/serve.js';
import { SUBMIT_TBOT_EVENT_PATH } from '../../src/protocol/tbot-wire.js';
import { tbotEvent } from '../helpers/collector-process.js';
import { makeWorkspace } from '../helpers/workspace.js';

describe('collector serve() with a passed-in runtime', () => {
  it('stores under the runtime clock, logs to the runtime, and closes cleanly', async () => {
    const workspace = await makeWorkspace('tbot-serve-unit-');
    const logged: string[] = [];
    const fixedNow = new Date('2026-03-04T05:06:07.000Z');
    const stop = new AbortController();
    const running = await serve(
      { host: '127.0.0.1', port: 0, dataDir: workspace.dir },
      { env: {}, now: () => fixedNow, stdout: () => undefined, stderr: (text) => void logged.push(text), stopSignal: () => stop.signal },
    );
    try {
      const body = tbotEvent({}, { timestamp: '2026-03-04T05:00:00.000Z' });
      const response = await fetch(`http://${running.address}${SUBMIT_TBOT_EVENT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 200);
      assert.equal(running.metrics.accepted, 1);
      assert.deepEqual(await readdir(workspace.dir), ['events-2026-03-04.ndjson']);
      const stored = JSON.parse(await readFile(join(workspace.dir, 'events-2026-03-04.ndjson'), 'utf8'));
      assert.deepEqual(stored, { received_at: fixedNow.toISOString(), family: 'tbot', event: body, uuid: eventUuid('tbot', body) });
      assert.match(logged.join(''), /^2026-03-04T05:06:07\.000Z INFO {2}collector listening address=127\.0\.0\.1:\d+/m);
    } finally {
      await running.close();
      await workspace.remove();
    }
  });
});
