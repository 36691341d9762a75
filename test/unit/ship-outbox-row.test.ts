/** A line of the outbox as the row the shipper inserts: its instant and month taken only from a real time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outboxRow } from '../../src/collector/ship/outbox-row.js';
import { tbotEvent } from '../helpers/collector-process.js';

const lineAt = (receivedAt: string): string =>
  JSON.stringify({ received_at: receivedAt, family: 'tbot', event: tbotEvent({}, { distinctId: '3b241101-e2bb-4255-8caf-4136c566a962', timestamp: '2026-12-05T09:00:00.000Z' }) });

describe('an outbox line as a row', () => {
  it('keeps the store’s own spelling of received_at, and gives another spelling of a real instant in UTC', () => {
    for (const [receivedAt, expected, month] of [
      ['2026-12-31T23:59:59.999Z', '2026-12-31T23:59:59.999Z', '2026-12-01'],
      ['2024-02-29T12:00:00.000Z', '2024-02-29T12:00:00.000Z', '2024-02-01'],
      ['2027-01-01T00:30:00+01:00', '2026-12-31T23:30:00.000Z', '2026-12-01'],
      ['2026-12-05T10:00:00Z', '2026-12-05T10:00:00.000Z', '2026-12-01'],
    ] as const) {
      const row = outboxRow(lineAt(receivedAt));
      assert.ok(row.ok, receivedAt);
      assert.equal(row.row.receivedAt, expected);
      assert.equal(row.row.month, month);
      assert.equal(row.row.line, lineAt(receivedAt));
    }
  });

  it('refuses a received_at that names no real instant, even in the store’s spelling', () => {
    for (const receivedAt of ['2026-02-30T00:00:00.000Z', '2025-02-29T00:00:00.000Z', '2026-12-05T24:00:00.000Z', '0000-01-01T00:00:00.000Z', '2026-12-05T10:00:00.000']) {
      const row = outboxRow(lineAt(receivedAt));
      assert.equal(row.ok, false, receivedAt);
      assert.match((row as { reason: string }).reason, /received_at/);
    }
  });
});
