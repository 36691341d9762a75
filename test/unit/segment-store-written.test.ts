/**
 * What the segment store reports having written (onWritten, which the shipper ships from memory) is
 * exactly what the segment holds, in order, with nothing reported for a write that failed and was
 * cut back: on a small tmpfs mounted for this test, filled until writes fail, then grown.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import { tbotEvent } from '../helpers/collector-process.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/small-disk.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** One day: every write goes to one segment. */
const RECEIVED_AT = '2026-12-01T10:00:00.000Z';

describe('the segment store reports its durable writes', () => {
  let workspace: Workspace;
  let disk: SmallDisk;
  before(async () => {
    workspace = await makeWorkspace('tbot-store-written-');
    disk = await mountSmallDisk(join(workspace.dir, 'disk'), '64k', 'the written-bytes test on a full disk');
  });
  after(async () => {
    disk.unmount();
    await workspace.remove();
  });

  it('reports each write once, in order, at the offset it landed, and never a failed one, which is cut back', async (t) => {
    if (!disk.mounted) return t.skip('cannot mount a tmpfs (needs root or CAP_SYS_ADMIN)');
    const dir = join(workspace.dir, 'disk', 'data');
    const reported: { segment: string; offset: number; bytes: Buffer }[] = [];
    const store = new SegmentStore(dir, { onWritten: (segment, offset, bytes) => reported.push({ segment, offset, bytes: Buffer.from(bytes) }) });
    await store.open();
    const acknowledged: string[] = [];
    let failed = 0;
    // Eight at a time, so that a failed write takes a batch of several appends with it.
    const sender = async (): Promise<void> => {
      while (failed < 20) {
        const event = tbotEvent({ helper: 'x'.repeat(200) });
        try {
          await store.append({ received_at: RECEIVED_AT, family: 'tbot', event });
          acknowledged.push(event.distinctId);
        } catch {
          failed += 1;
        }
      }
    };
    const check = async (): Promise<void> => {
      const [segment] = (await readdir(dir)).filter((name) => name.endsWith('.ndjson'));
      let offset = 0;
      for (const write of reported) {
        assert.equal(write.segment, segment);
        assert.equal(write.offset, offset, 'each write starts where the last one ended');
        offset += write.bytes.length;
      }
      const file = await readFile(join(dir, segment!));
      assert.ok(Buffer.concat(reported.map((write) => write.bytes)).equals(file), 'the bytes reported are the segment, byte for byte');
      const ids = file
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { event: { distinctId: string } }).event.distinctId);
      assert.deepEqual(ids.sort(), [...acknowledged].sort(), 'the segment holds what was acknowledged, and nothing else');
    };
    try {
      await Promise.all(Array.from({ length: 8 }, sender));
      assert.ok(acknowledged.length > 20, `${acknowledged.length} events fitted before the disk was full`);
      await check();
      disk.grow('1m');
      for (let i = 0; i < 10; i += 1) {
        const event = tbotEvent();
        await store.append({ received_at: RECEIVED_AT, family: 'tbot', event });
        acknowledged.push(event.distinctId);
      }
      await check();
    } finally {
      await store.close();
    }
  });
});
