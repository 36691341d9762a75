/**
 * A stored record as a PostHog event. Each family maps its own events (families/); what every
 * event shares is decided here: GeoIP is off, `$ip` is never sent, and the uuid is the stored
 * event's identity (event-identity.ts), so that a retried request or batch deduplicates in PostHog.
 */
import { recordUuid } from '../store/event-identity.js';
import { familyOf, InvalidRecordError, type StoredRecord } from '../store/record.js';
import { POSTHOG_MAPPERS } from './families/index.js';
import type { PostHogEvent } from './posthog-types.js';

export type { PostHogEvent };

export function toPostHogEvent(stored: StoredRecord): PostHogEvent {
  const family = familyOf(stored);
  const mapper = POSTHOG_MAPPERS[family as keyof typeof POSTHOG_MAPPERS];
  if (mapper === undefined) throw new InvalidRecordError(`no PostHog mapping for family ${JSON.stringify(family)}`);
  const mapped = mapper(stored);
  return { ...mapped, uuid: recordUuid(stored), properties: { ...mapped.properties, $geoip_disable: true } };
}
