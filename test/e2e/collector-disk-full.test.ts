/**
 * A full disk: the collector runs on a small tmpfs mounted for this test, fills it, answers
 * `unavailable` for what it cannot store, and once the disk grows stores later events. No
 * acknowledged event is lost and no partial line is left for a later one to be glued onto.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { metric, startCollector, submit, tbotEvent } from '../helpers/collector-process.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/small-disk.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('collector on a full disk', () => {
  let workspace: Workspace;
  let disk: SmallDisk;
  before(async () => {
    workspace = await makeWorkspace('tbot-disk-full-');
    disk = await mountSmallDisk(join(workspace.dir, 'disk'), '64k', 'the full-disk test');
  });
  after(async () => {
    disk.unmount();
    await workspace.remove();
  });

  it('fills up, answers 503 unavailable (never 200) for what it cannot store, then grows and stores later events', async (t) => {
    if (!disk.mounted) return t.skip('cannot mount a tmpfs (needs root or CAP_SYS_ADMIN)');
    const dataDir = join(workspace.dir, 'disk', 'data');
    const collector = await startCollector(dataDir);
    const acknowledged: string[] = [];
    let refused = 0;
    const statuses = new Set<number>();
    // Eight concurrent senders, so failed writes hit batches of several requests.
    const sender = async (): Promise<void> => {
      while (refused < 40) {
        const event = tbotEvent({ helper: 'gha:teleport-actions/auth', helperVersion: '1.2.0' });
        const status = await submit(collector.url, event);
        statuses.add(status);
        if (status === 200) acknowledged.push(event.distinctId);
        else refused += 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    assert.deepEqual([...statuses].sort(), [200, 503], 'only stored (200) or unavailable (503)');
    assert.ok(acknowledged.length > 50, `${acknowledged.length} events fitted before the disk was full`);
    assert.ok((await metric(collector.url, 'tbot_collector_events_rejected_total{reason="store-failed"}')) >= 40);

    disk.grow('1m');
    const later: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const event = tbotEvent();
      assert.equal(await submit(collector.url, event), 200, 'stored once the disk has room again');
      later.push(event.distinctId);
    }
    assert.equal(await collector.stop(), 0);

    const segments = (await readdir(dataDir)).filter((name) => name.endsWith('.ndjson'));
    assert.equal(segments.length, 1);
    const text = await readFile(join(dataDir, segments[0]!), 'utf8');
    assert.ok(text.endsWith('\n'), 'the segment ends with a whole line');
    const stored = new Set(
      text
        .slice(0, -1)
        .split('\n')
        .map((line) => (JSON.parse(line) as { event: { distinctId: string } }).event.distinctId),
    );
    assert.deepEqual(
      acknowledged.filter((id) => !stored.has(id)),
      [],
      'acknowledged events lost',
    );
    assert.deepEqual(
      later.filter((id) => !stored.has(id)),
      [],
      'later events lost',
    );
    // The full disk is logged when it starts (again after a small batch squeezed in), not per refused batch.
    const logged = collector.stderr().match(/ERROR cannot write to the store; answering unavailable until it can .*error=ENOSPC/g)?.length ?? 0;
    assert.ok(logged >= 1 && logged <= refused / 4, `${logged} error lines for ${refused} refused requests`);
  });
});
