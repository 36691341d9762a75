/**
 * The one spelling the store writes a record in: `{"received_at":"…","family":"…","event":…,"uuid":"…"}`,
 * keys in that order, received_at in toISOString's form (24 characters), the uuid last. Readers rely on
 * it: the segment reader finds a line's family at a fixed offset, and the shipper reads a line it
 * has just written from memory without parsing it (spelledFields).
 */
import { ISO_INSTANT, UUID_TEXT } from '../../text/canonical-text.js';
import { FAMILIES } from './record.js';

/** A record's line as the store writes it, without its newline. */
export const storedLine = (receivedAt: string, family: string, eventJson: string, uuid: string): string =>
  `{"received_at":${JSON.stringify(receivedAt)},"family":${JSON.stringify(family)},"event":${eventJson},"uuid":"${uuid}"}`;

/** The fields of a line in the store's spelling that a row of the shared store needs besides the line. */
export interface SpelledFields {
  receivedAt: string;
  family: string;
  uuid: string;
}

const RECEIVED_AT = '{"received_at":"';
const RECEIVED_AT_END = RECEIVED_AT.length + '2026-01-01T00:00:00.000Z'.length;
const FAMILY = '","family":"';
/** Where a line in the store's spelling has its family key: right after `{"received_at":"<24-character time>",`. */
export const FAMILY_KEY_AT = RECEIVED_AT_END + '",'.length;
/** The family key as the store writes it, up to the opening quote of its value. */
export const FAMILY_KEY = FAMILY.slice('",'.length);
const EVENT = '","event":{';
const UUID = ',"uuid":"';
const UUID_END = '"}';
const UUID_TAIL = UUID.length + '00000000-0000-0000-0000-000000000000'.length + UUID_END.length;
const LONGEST_FAMILY = Math.max(...FAMILIES.map((family) => family.length));
/** Enough of a line's start to hold its received_at, family and the start of its event. */
const HEAD = RECEIVED_AT_END + FAMILY.length + LONGEST_FAMILY + EVENT.length;
const KNOWN: ReadonlySet<string> = new Set(FAMILIES);

/**
 * The received_at, family and uuid of the line in `bytes` from `start` to `end` (no newline), read
 * at the places the store's spelling puts them, without parsing the event; undefined when the line
 * is not in that spelling (a caller then parses and checks it in full). It says nothing of the
 * event itself: only for bytes this process checked before writing them.
 */
export function spelledFields(bytes: Buffer, start: number, end: number): SpelledFields | undefined {
  if (end - start < RECEIVED_AT_END + FAMILY.length + EVENT.length + UUID_TAIL) return undefined;
  // Latin-1 reads each byte as one character: cheap, and any byte outside ASCII fails the tests below.
  const head = bytes.toString('latin1', start, Math.min(end, start + HEAD));
  if (!head.startsWith(RECEIVED_AT) || !head.startsWith(FAMILY, RECEIVED_AT_END)) return undefined;
  const receivedAt = head.slice(RECEIVED_AT.length, RECEIVED_AT_END);
  const familyAt = RECEIVED_AT_END + FAMILY.length;
  const familyEnd = head.indexOf('"', familyAt);
  if (familyEnd < 0 || !head.startsWith(EVENT, familyEnd)) return undefined;
  const family = head.slice(familyAt, familyEnd);
  const tail = bytes.toString('latin1', end - UUID_TAIL, end);
  if (!tail.startsWith(UUID) || !tail.endsWith(UUID_END)) return undefined;
  const uuid = tail.slice(UUID.length, -UUID_END.length);
  if (!KNOWN.has(family) || !ISO_INSTANT.test(receivedAt) || !UUID_TEXT.test(uuid)) return undefined;
  return { receivedAt, family, uuid };
}
