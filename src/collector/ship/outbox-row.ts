/**
 * A line of the local outbox (a segment) as a row of the shared store, or the reason it cannot be
 * one. The line is checked again as a record of its family before it leaves the machine (segments
 * are plain files: what ingest vouched for is not taken on trust), and goes into the row verbatim.
 */
import { parseRfc3339 } from '../../protocol/rfc3339.js';
import { recordUuid } from '../store/event-identity.js';
import type { EventRow } from '../store/postgres/postgres-store.js';
import { monthOf } from '../store/postgres/partitions.js';
import { checkStoredRecord } from '../store/record-check.js';
import { familyOf } from '../store/record.js';

export type OutboxRow = { ok: true; row: EventRow } | { ok: false; reason: string };

export function outboxRow(line: string): OutboxRow {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const checked = checkStoredRecord(value);
  if (!checked.ok) return checked;
  const { record } = checked;
  let receivedAt = writersSpelling(record.received_at);
  if (receivedAt === undefined) {
    // The month is the partition key: it must come from a real instant (Date.parse rolls 02-30 into March).
    const received = parseRfc3339(record.received_at);
    if (!received.ok) return { ok: false, reason: `received_at: ${received.reason}` };
    receivedAt = new Date(received.instant.seconds * 1000 + Math.floor(received.instant.nanos / 1e6)).toISOString();
  }
  return { ok: true, row: { uuid: recordUuid(record), month: monthOf(receivedAt), family: familyOf(record), receivedAt, line } };
}

/**
 * `text` itself when it is already the spelling the store writes (toISOString's, in UTC) of a real
 * instant: a date that does not exist is rolled over by Date.parse and then reads back differently.
 * Year 0000, which toISOString spells the same way, is not one parseRfc3339 accepts. Every line the
 * store wrote takes this path, at a fraction of the full parse's cost; any other spelling takes that.
 */
function writersSpelling(text: string): string | undefined {
  if (text.length !== 24 || text.startsWith('0000')) return undefined;
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && new Date(ms).toISOString() === text ? text : undefined;
}
