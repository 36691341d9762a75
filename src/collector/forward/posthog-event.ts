/**
 * A stored record as a PostHog event. Each family maps its own events (families/); what every
 * event shares is decided here: GeoIP is off, `$ip` is never sent, and the uuid is derived from
 * the stored record so that a retried batch deduplicates in PostHog.
 */
import { createHash } from 'node:crypto';
import { familyOf, InvalidRecordError, type StoredRecord } from '../store/record.js';
import { POSTHOG_MAPPERS } from './families/index.js';

type PostHogScalar = string | number | boolean;
/** `$set` and `$set_once` carry person properties as an object. */
export type PostHogProperties = Record<string, PostHogScalar | Record<string, PostHogScalar>>;

export interface PostHogEvent {
  event: string;
  distinct_id: string;
  timestamp: string;
  uuid: string;
  properties: PostHogProperties;
}

/** What a family supplies; uuid and the privacy properties are added for it. */
export type FamilyEvent = Omit<PostHogEvent, 'uuid'>;

/** An RFC 9562 version-8 UUID from SHA-256 of the record: same record, same uuid. */
export function deterministicUuid(stored: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(stored)).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function toPostHogEvent(stored: StoredRecord): PostHogEvent {
  const family = familyOf(stored);
  const mapper = POSTHOG_MAPPERS[family as keyof typeof POSTHOG_MAPPERS];
  if (mapper === undefined) throw new InvalidRecordError(`no PostHog mapping for family ${JSON.stringify(family)}`);
  const mapped = mapper(stored);
  return { ...mapped, uuid: deterministicUuid(stored), properties: { ...mapped.properties, $geoip_disable: true } };
}
