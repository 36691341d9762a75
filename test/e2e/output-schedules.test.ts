/**
 * Per-output credential_ttl / renewal_interval: in continuous mode each output renews on its own
 * schedule, shown by the renewal times and schedule each tbot-status.json records. One-shot renews
 * every output once, whatever its interval.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { runTbot, spawnTbot } from '../helpers/tbot-process.js';
import { certificateEnd } from '../helpers/tools.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const CONFIG = `version: v2
storage: {type: directory, path: ./data}
credential_ttl: 1h
renewal_interval: 1500ms
outputs:
  - type: identity
    name: fast
    credential_ttl: 10m
    renewal_interval: 150ms
    destination: {type: directory, path: ./out/fast}
  - type: database
    name: slow
    service: pg
    destination: {type: directory, path: ./out/slow}
`;

interface Status {
  name: string;
  renewed_at: string;
  expires_at: string;
  schedule: { credential_ttl: string; renewal_interval: string; credential_ttl_ms: number; renewal_interval_ms: number };
  renewals: { count: number; recent: string[] };
}

describe('each output keeps its own schedule', () => {
  let workspace: Workspace;
  const status = async (name: string): Promise<Status> => JSON.parse(await readFile(join(workspace.dir, 'out', name, 'tbot-status.json'), 'utf8'));

  before(async () => {
    workspace = await makeWorkspace();
    await workspace.write('tbot.yaml', CONFIG);
  });
  after(() => workspace.remove());

  it('continuous: the fast output renews every ~150 ms, the slow one every ~1.5 s, each with its own lifetime', async () => {
    const agent = spawnTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir });
    await agent.waitForStderr(/(renewal cycle complete output=slow[\s\S]*){3}/);
    await delay(200);
    agent.child.kill('SIGTERM');
    assert.equal((await agent.result).code, 0);

    const fast = await status('fast');
    const slow = await status('slow');
    assert.deepEqual(fast.schedule, { credential_ttl: '10m', renewal_interval: '150ms', credential_ttl_ms: 600_000, renewal_interval_ms: 150 });
    assert.deepEqual(slow.schedule, { credential_ttl: '1h', renewal_interval: '1500ms', credential_ttl_ms: 3_600_000, renewal_interval_ms: 1_500 });
    assert.equal(Date.parse(fast.expires_at) - Date.parse(fast.renewed_at), 600_000);
    assert.equal(Date.parse(slow.expires_at) - Date.parse(slow.renewed_at), 3_600_000);
    assert.ok(certificateEnd(join(workspace.dir, 'out', 'fast', 'tlscert')).getTime() < Date.now() + 601_000);

    // Three slow renewals (1.5 s apart) took about 3 s: time for some twenty fast ones. Asking for
    // twice as many leaves room for a loaded machine while still telling the schedules apart.
    assert.ok(slow.renewals.count >= 3, `slow renewed ${slow.renewals.count} times`);
    assert.ok(fast.renewals.count >= 2 * slow.renewals.count, `fast ${fast.renewals.count} vs slow ${slow.renewals.count}`);
    const gaps = (recent: string[]): number[] => recent.slice(1).map((time, index) => Date.parse(time) - Date.parse(recent[index]!));
    // Jitter renews at most 10% early; a busy machine may renew late, never much earlier.
    for (const gap of gaps(fast.renewals.recent)) assert.ok(gap >= 135 - 5, `fast gap ${gap} ms`);
    for (const gap of gaps(slow.renewals.recent)) assert.ok(gap >= 1_350 - 5, `slow gap ${gap} ms`);
    assert.equal(fast.renewals.recent.at(-1), fast.renewed_at);
  });

  it('one-shot renews every output exactly once', async () => {
    const run = await runTbot(['start', '--oneshot', '-c', 'tbot.yaml'], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal((run.stderr.match(/renewal cycle complete/g) ?? []).length, 2);
    for (const name of ['fast', 'slow']) {
      const record = await status(name);
      assert.equal(record.renewals.count, 1, name);
      assert.deepEqual(record.renewals.recent, [record.renewed_at]);
    }
  });
});
