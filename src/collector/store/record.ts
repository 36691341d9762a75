/**
 * One stored line: the validated event of one family, when it arrived, and the event's identity.
 * Nothing else about the request (address, headers) is ever kept. Lines written before families
 * existed have no `family`; they are all tbot events. Lines written before identities existed have
 * no `uuid`; readers derive it once, by the same rule (event-identity.ts).
 */
export const FAMILIES = ['tbot', 'tbot.heartbeat', 'connect', 'discover', 'teleport', 'usage'] as const;
export type Family = (typeof FAMILIES)[number];

export interface StoredRecord<E = unknown> {
  received_at: string;
  family: Family;
  event: E;
  /** The event's identity (event-identity.ts): the same event always gets the same uuid. */
  uuid?: string;
}

export const familyOf = (record: { family?: string }): string => record.family ?? 'tbot';

/** A stored line that is not a usable record: not JSON, an unknown family, or the wrong shape for its family. */
export class InvalidRecordError extends Error {
  override name = 'InvalidRecordError';
}
