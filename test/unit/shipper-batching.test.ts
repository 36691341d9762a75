/**
 * How the shipper batches: a backlog goes in full batches back to back, and after a batch that was
 * not full the shipper lets events gather instead of shipping each new one in a transaction of its
 * own (each batch costs a COMMIT and the cursor's fsyncs, whatever its size). The target records
 * what it is asked to insert; the outbox is a real segment store in a temp directory.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Shipper, type ShipTarget } from '../../src/collector/ship/shipper.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import type { Logger } from '../../src/log/logger.js';
import { tbotEvent } from '../helpers/collector-process.js';
import { recordingTarget } from '../helpers/ship-target.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function store(dir: string, count: number): Promise<void> {
  const segments = new SegmentStore(dir);
  await segments.open();
  await segments.appendAll(Array.from({ length: count }, () => ({ received_at: new Date().toISOString(), family: 'tbot', event: tbotEvent() })));
  await segments.close();
}

describe('the shipper batches', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-shipper-batching-');
  });
  after(async () => workspace.remove());

  it('a backlog in full batches back to back, then waits for events to gather, even when told of new ones', async () => {
    const dir = `${workspace.dir}/backlog`;
    await store(dir, 5);
    const { target, sizes, inserted } = recordingTarget();
    const shipper = new Shipper({ dataDir: dir, target, logger: quiet, now: () => new Date(), batch: { lines: 2, bytes: 1024 * 1024 }, gatherMs: 600_000 });
    shipper.start();
    try {
      await inserted(3);
      assert.deepEqual(sizes(), [2, 2, 1]);
      // The last batch was partial: the shipper now gathers. New events, and the notice of them, do
      // not end that wait, so they are not shipped one by one.
      await store(dir, 3);
      shipper.notify();
    } finally {
      await shipper.close();
    }
    assert.deepEqual(sizes(), [2, 2, 1]);
    assert.equal(shipper.gauges().shipped, 5);
    assert.equal(shipper.gauges().backlogEvents, 3);
  });

  it('what gathered goes in one batch once the wait is over', async () => {
    const dir = `${workspace.dir}/gathered`;
    await store(dir, 1);
    const { target, sizes, inserted } = recordingTarget();
    // No wait at all: the next turn reads what is there.
    const shipper = new Shipper({ dataDir: dir, target, logger: quiet, now: () => new Date(), gatherMs: 0, pollMs: 600_000 });
    shipper.start();
    try {
      await inserted(1);
      await store(dir, 4);
      shipper.notify();
      await inserted(2);
    } finally {
      await shipper.close();
    }
    assert.deepEqual(sizes(), [1, 4]);
  });

  it('the backlog counts each line once, however late or often the notice of it comes (PostgreSQL down)', async () => {
    const dir = `${workspace.dir}/late-notices`;
    await store(dir, 5);
    let failures = 0;
    const down: ShipTarget = {
      identity: 'test/db',
      shown: 'postgres://test/db',
      migrate: async () => {
        failures += 1;
        throw Object.assign(new Error('connect ECONNREFUSED'), { unreachable: true });
      },
      insert: async () => 0,
      ping: async () => undefined,
    };
    let changes = 0;
    const shipper = new Shipper({ dataDir: dir, target: down, logger: quiet, now: () => new Date(), backoff: { firstMs: 5, maxMs: 5 }, onStateChange: () => (changes += 1) });
    // Notices before the first count, for lines that count will see.
    shipper.notify();
    shipper.notify();
    shipper.start();
    try {
      while (failures < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(shipper.gauges().backlogEvents, 5);
      // New lines, then their notice several times over, and late.
      await store(dir, 3);
      for (let notice = 0; notice < 4; notice += 1) shipper.notify();
      const seen = changes;
      while (changes === seen) await new Promise((resolve) => setTimeout(resolve, 5));
      shipper.notify();
    } finally {
      await shipper.close();
    }
    assert.equal(shipper.gauges().backlogEvents, 8);
    assert.equal(shipper.gauges().postgresUp, false);
  });
});
