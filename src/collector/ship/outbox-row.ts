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
import { ISO_INSTANT } from '../../text/canonical-text.js';

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
  // The month is the partition key: it must come from a real instant (Date.parse rolls 02-30 into March).
  const received = parseRfc3339(record.received_at);
  if (!received.ok) return { ok: false, reason: `received_at: ${received.reason}` };
  // Already toISOString's spelling (UTC, to the millisecond) of the instant just checked, as the store
  // writes it: kept as it is. Going through a Date and back cost more than the check itself.
  const receivedAt = ISO_INSTANT.test(record.received_at) ? record.received_at : new Date(received.instant.seconds * 1000 + Math.floor(received.instant.nanos / 1e6)).toISOString();
  return { ok: true, row: { uuid: recordUuid(record), month: monthOf(receivedAt), family: familyOf(record), receivedAt, line } };
}
