/**
 * Which stored events are "the same": the identity of an event is a uuid derived from its family
 * and the event alone, never from when or how often it arrived. A client that retries a request
 * (after a timeout or a dropped connection) therefore stores a line with the same uuid, and
 * PostHog, which drops a uuid it has seen, counts it once. The rule per family:
 *
 * - tbot: the start's distinct id and its own timestamp (one agent start is one event);
 * - usage: the tenant and the report's report_uuid (a report is billed once per tenant);
 * - every other family (and a tbot start without its own time): the whole canonical event, as
 *   stored, which holds no receive-time field.
 *
 * The uuid is computed once, when the line is written, and stored in it (`uuid`); lines written
 * before that carry none and get theirs by this same rule when read.
 */
import { hash } from 'node:crypto';
import { familyOf, type StoredRecord } from './record.js';

/** An RFC 9562 version-8 UUID from SHA-256 of `key`: the same key, the same uuid. */
export function uuidFromKey(key: string): string {
  // The one-shot hash: the store computes one per stored event, and a Hash object costs more than the digest.
  const digest = hash('sha256', key, 'buffer');
  digest[6] = (digest[6]! & 0x0f) | 0x80;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const asObject = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});

/**
 * What identifies the event within its family (before hashing). `eventJson`, the event's JSON when
 * the caller has it already (the store writes it anyway), saves serializing it twice; it is what
 * JSON.stringify(event) gives, so a line read back derives the same key.
 */
export function identityKey(family: string, event: unknown, eventJson?: string): string {
  const fields = asObject(event);
  if (family === 'tbot' && typeof fields['distinctId'] === 'string' && typeof fields['timestamp'] === 'string')
    return JSON.stringify(['tbot', fields['distinctId'], fields['timestamp']]);
  if (family === 'usage' && typeof fields['tenant'] === 'string' && typeof fields['report_uuid'] === 'string')
    return JSON.stringify(['usage', fields['tenant'], fields['report_uuid']]);
  return `${JSON.stringify(family)}\n${eventJson ?? JSON.stringify(event)}`;
}

export const eventUuid = (family: string, event: unknown, eventJson?: string): string => uuidFromKey(identityKey(family, event, eventJson));

/** The record's stored uuid, or (a line from before identities were stored) its derived one. */
export const recordUuid = (record: Pick<StoredRecord, 'event' | 'uuid'> & { family?: string }): string =>
  typeof record.uuid === 'string' ? record.uuid : eventUuid(familyOf(record), record.event);
