/**
 * A line of the outbox as the row the shipper inserts: its instant and month taken only from a real
 * time. Lines this process just wrote (shipped from memory) give the same rows without being parsed,
 * and any that are not in the store's own spelling are left to the full check.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outboxRow, writtenRows } from '../../src/collector/ship/outbox-row.js';
import { storedLine } from '../../src/collector/store/stored-line.js';
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

const UUIDS = ['0b8f1a52-66c1-8a4e-9d3b-5f0e1c2d3a4b', '1c9e2b63-77d2-8b5f-ae4c-6a1f2d3e4b5c', '2dae3c74-88e3-8c6a-bf5d-7b2a3e4f5c6d'];
const written = (receivedAt: string, index: number): string =>
  storedLine(
    receivedAt,
    'tbot',
    JSON.stringify(tbotEvent({}, { distinctId: '3b241101-e2bb-4255-8caf-4136c566a962', timestamp: `2026-12-05T09:00:0${index}.000Z` })),
    UUIDS[index]!,
  );

describe('lines just written, as rows', () => {
  const lines = [written('2026-11-30T23:59:59.999Z', 0), written('2026-12-01T00:00:00.000Z', 1), written('2026-12-01T00:00:00.000Z', 2)];

  it('the same rows as the full check gives, their lines sent as the bytes written, a batch’s worth at most', () => {
    const rows = writtenRows(Buffer.from(`${lines.join('\n')}\n`), 10);
    assert.ok(rows !== undefined);
    const checked = lines.map((line) => {
      const row = outboxRow(line);
      assert.ok(row.ok);
      return row.row;
    });
    assert.deepEqual(
      rows.batch.uuids,
      checked.map((row) => row.uuid),
    );
    assert.deepEqual(
      rows.batch.months,
      checked.map((row) => row.month),
    );
    assert.deepEqual(
      rows.batch.families,
      checked.map((row) => row.family),
    );
    assert.deepEqual(
      rows.batch.receivedAts,
      checked.map((row) => row.receivedAt),
    );
    assert.ok(Buffer.isBuffer(rows.batch.lines));
    assert.equal(rows.batch.lines.toString(), lines.join('\n'));
    assert.deepEqual(
      rows.ends,
      lines.map((_, index) => Buffer.byteLength(lines.slice(0, index + 1).join('\n')) + 1),
    );

    const two = writtenRows(Buffer.from(`${lines.join('\n')}\n`), 2);
    assert.deepEqual(two?.batch.uuids, UUIDS.slice(0, 2));
    assert.equal(two?.batch.lines.toString(), lines.slice(0, 2).join('\n'));
    const torn = writtenRows(Buffer.from(`${lines[0]}\n${lines[1]!.slice(0, 30)}`), 10);
    assert.deepEqual(torn?.ends, [Buffer.byteLength(lines[0]!) + 1], 'a line without its newline is not taken');
  });

  it('nothing when a line is not in the store’s spelling: such bytes get the full check', () => {
    const event = JSON.stringify(tbotEvent());
    for (const [why, line] of [
      ['keys in another order', `{"family":"tbot","received_at":"2026-12-01T00:00:00.000Z","event":${event},"uuid":"${UUIDS[0]}"}`],
      ['a family it does not know', storedLine('2026-12-01T00:00:00.000Z', 'tbot.other', event, UUIDS[0]!)],
      ['a day that is not real', storedLine('2026-02-30T00:00:00.000Z', 'tbot', event, UUIDS[0]!)],
      ['an hour that is not real', storedLine('2026-12-05T24:00:00.000Z', 'tbot', event, UUIDS[0]!)],
      ['a minute that is not real', storedLine('2026-12-05T10:60:00.000Z', 'tbot', event, UUIDS[0]!)],
      ['a second that is not real', storedLine('2026-12-05T10:00:60.000Z', 'tbot', event, UUIDS[0]!)],
      ['year zero', storedLine('0000-01-01T00:00:00.000Z', 'tbot', event, UUIDS[0]!)],
      ['another spelling of the instant', storedLine('2026-12-01T00:00:00Z', 'tbot', event, UUIDS[0]!)],
      ['a uuid that is not one', storedLine('2026-12-01T00:00:00.000Z', 'tbot', event, 'not-a-uuid-at-all-but-36-characters!')],
      ['no event object', storedLine('2026-12-01T00:00:00.000Z', 'tbot', '"text"', UUIDS[0]!)],
      ['an empty line', ''],
    ] as const)
      assert.equal(writtenRows(Buffer.from(`${lines[0]}\n${line}\n`), 10), undefined, why);
  });
});
