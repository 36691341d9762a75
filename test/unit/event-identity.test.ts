/** Stable event identity: the uuid depends on the family's identifying fields, never on arrival, and survives a read back. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventUuid, recordUuid } from '../../src/collector/store/event-identity.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { tbotEvent } from '../helpers/collector-process.js';
import { makeWorkspace } from '../helpers/workspace.js';

describe('event identity', () => {
  it('a tbot start is its distinct id and its own time', () => {
    const start = tbotEvent({}, { distinctId: '4a1d3c52-0c55-4b8e-9d0e-1f2a3b4c5d6e', timestamp: '2026-12-05T07:00:00.000Z' });
    assert.equal(eventUuid('tbot', start), eventUuid('tbot', { ...start, start: { ...start.start, version: '2.0.0' } }));
    assert.notEqual(eventUuid('tbot', start), eventUuid('tbot', { ...start, timestamp: '2026-12-05T07:00:01.000Z' }));
  });

  it('a usage report is its tenant and its report uuid', () => {
    const report = { tenant: 'acme', report_uuid: '00112233-4455-6677-8899-aabbccddeeff', kind: 'user_activity' };
    assert.equal(eventUuid('usage', report), eventUuid('usage', { ...report, kind: 'resource_presence' }));
    assert.notEqual(eventUuid('usage', report), eventUuid('usage', { ...report, tenant: 'globex' }));
  });

  it('other families are the whole canonical event, and the family', () => {
    const event = { clusterName: 'x', timestamp: '2026-12-05T07:00:00.000Z' };
    assert.equal(eventUuid('discover', event), eventUuid('discover', JSON.parse(JSON.stringify(event))));
    assert.notEqual(eventUuid('discover', event), eventUuid('connect', event));
  });

  it('is written into the line at append, never from the arrival time, and an old line without it derives the same', async () => {
    const workspace = await makeWorkspace('tbot-identity-');
    try {
      const store = new SegmentStore(workspace.dir);
      await store.open();
      const event = { clusterName: 'x', timestamp: '2026-12-05T07:00:00.000Z', detail: { n: 1.5, list: ['a', 'é'] } };
      await store.appendAll([{ received_at: '2026-12-05T07:00:01.000Z', family: 'discover', event }]);
      await store.appendAll([{ received_at: '2026-12-05T07:00:09.000Z', family: 'discover', event }]);
      await store.close();
      const lines = (await readFile(join(workspace.dir, segmentName(new Date('2026-12-05T00:00:00Z'))), 'utf8')).trim().split('\n');
      const [first, second] = lines.map((line) => JSON.parse(line) as { uuid: string; family: string; event: unknown });
      assert.equal(first!.uuid, second!.uuid);
      assert.deepEqual(Object.keys(first!), ['received_at', 'family', 'event', 'uuid']);
      const { uuid, ...old } = first!;
      assert.equal(recordUuid(old), uuid);
    } finally {
      await workspace.remove();
    }
  });
});
