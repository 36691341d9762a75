/**
 * One stored line: the validated event of one family, and when it arrived. Nothing else about the
 * request (address, headers) is ever kept. Lines written before families existed have no
 * `family`; they are all tbot events.
 */
export type Family = 'tbot' | 'tbot.heartbeat' | 'connect' | 'discover';

export interface StoredRecord<E = unknown> {
  received_at: string;
  family: Family;
  event: E;
}

export const familyOf = (record: { family?: string }): string => record.family ?? 'tbot';

/** A stored line that is not a usable record: not JSON, an unknown family, or the wrong shape for its family. */
export class InvalidRecordError extends Error {
  override name = 'InvalidRecordError';
}
