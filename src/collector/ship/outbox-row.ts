/**
 * A line of the local outbox (a segment) as a row of the shared store, or the reason it cannot be
 * one. The line is checked again as a record of its family before it leaves the machine (segments
 * are plain files: what ingest vouched for is not taken on trust), and goes into the row verbatim.
 */
import { parseRfc3339 } from '../../protocol/rfc3339.js';
import { recordUuid } from '../store/event-identity.js';
import type { EventBatch, EventRow } from '../store/postgres/postgres-store.js';
import { monthOf } from '../store/postgres/partitions.js';
import { checkStoredRecord } from '../store/record-check.js';
import { familyOf } from '../store/record.js';
import { spelledFields } from '../store/stored-line.js';
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

/** A batch made from bytes this process wrote itself (written-memory.ts). */
export interface WrittenRows {
  batch: EventBatch;
  /** Where each line ends in the bytes, its newline included. */
  ends: number[];
}

/**
 * The whole lines at the start of `bytes`, up to `maxLines`, as a batch: their fields read where the
 * store's spelling puts them, their bytes sent as they are. Not checked again: only for bytes this
 * process checked and wrote, held in its own memory, never for bytes read from a file. Undefined
 * when a line is not in the store's spelling: the caller then treats them as read from the disk.
 */
export function writtenRows(bytes: Buffer, maxLines: number): WrittenRows | undefined {
  const uuids: string[] = [];
  const months: string[] = [];
  const families: string[] = [];
  const receivedAts: string[] = [];
  const ends: number[] = [];
  let start = 0;
  // The day last found real: consecutive lines mostly share one.
  let realDay = '';
  while (ends.length < maxLines) {
    const newline = bytes.indexOf(0x0a, start);
    if (newline < 0) break;
    const fields = spelledFields(bytes, start, newline);
    if (fields === undefined) return undefined;
    // The store writes toISOString's text, always a real instant; were one not (02-30, say),
    // PostgreSQL would refuse the whole batch again and again, so it goes the disk path's way.
    if (!isRealTime(fields.receivedAt)) return undefined;
    const day = fields.receivedAt.slice(0, 10);
    if (day !== realDay) {
      if (!parseRfc3339(`${day}T00:00:00.000Z`).ok) return undefined;
      realDay = day;
    }
    uuids.push(fields.uuid);
    months.push(monthOf(fields.receivedAt));
    families.push(fields.family);
    receivedAts.push(fields.receivedAt);
    start = newline + 1;
    ends.push(start);
  }
  // The lines, newlines between them and none after the last: what the insert splits.
  return { batch: { uuids, months, families, receivedAts, lines: bytes.subarray(0, Math.max(0, start - 1)) }, ends };
}

const digit = (text: string, at: number): number => text.charCodeAt(at) - 0x30;

/** Whether the time of day in toISOString's spelling (digits already checked) is one: hours to 23, minutes and seconds to 59. */
function isRealTime(iso: string): boolean {
  return digit(iso, 11) * 10 + digit(iso, 12) <= 23 && digit(iso, 14) <= 5 && digit(iso, 17) <= 5;
}
