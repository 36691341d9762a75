/**
 * The dead-letter file: stored lines the forwarder has given up on, kept rather than dropped.
 * `dead-letter.ndjson` in the data directory (0600, opened O_NOFOLLOW like a segment; its name is
 * not a segment's, so reports and the forwarder never read it). One JSON object a line:
 *
 *   parked_at  when it was parked (RFC 3339, UTC)
 *   reason     "rejected": PostHog refused the event on its own (a 4xx that blames the request);
 *              "invalid": the stored line is not JSON, or fails the stored-record check (not a
 *              well-formed, anonymous record of its family; see record-check.ts)
 *   detail     what was wrong, e.g. "HTTP 400: <start of PostHog's answer>"
 *   segment    the segment it came from
 *   offset     the byte offset just after the line in that segment
 *              (or, for a line the fleet forwarder read from PostgreSQL instead of a segment:
 *   store      "postgres"
 *   uuid       the event's uuid, its key in collector_events)
 *   line       the stored line, verbatim (it can be appended to a segment to replay it)
 */
import { join } from 'node:path';
import { openForAppend } from './segments.js';

export const DEAD_LETTER_FILE = 'dead-letter.ndjson';

export type DeadLetterReason = 'rejected' | 'invalid';

export type DeadLetter = {
  parked_at: string;
  reason: DeadLetterReason;
  detail: string;
  line: string;
} & ({ segment: string; offset: number } | { store: 'postgres'; uuid: string });

/** Appends one entry durably. Opened per entry (they are rare), so a write torn by a full disk is cut on the next one. */
export async function parkDeadLetter(dir: string, entry: DeadLetter): Promise<void> {
  const { handle } = await openForAppend(join(dir, DEAD_LETTER_FILE));
  try {
    await handle.appendFile(`${JSON.stringify(entry)}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
