/**
 * A stored tbot.start as a PostHog event, under the Machine ID usage-metrics property names.
 * Person profiles and GeoIP are off, `$ip` is never sent, and the uuid is derived from the stored
 * record so that a retried batch deduplicates in PostHog.
 */
import { createHash } from 'node:crypto';
import { fromWireStart } from '../analytics/wire.js';
import type { StoredEvent } from './segment-store.js';

export interface PostHogEvent {
  event: 'tbot.start';
  distinct_id: string;
  timestamp: string;
  uuid: string;
  properties: Record<string, string | number | boolean>;
}

/** An RFC 9562 version-8 UUID from SHA-256 of the record: same record, same uuid. */
export function deterministicUuid(stored: StoredEvent): string {
  const hash = createHash('sha256').update(JSON.stringify(stored)).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function toPostHogEvent(stored: StoredEvent): PostHogEvent {
  const start = fromWireStart(stored.event.start);
  return {
    event: 'tbot.start',
    distinct_id: stored.event.distinctId,
    timestamp: stored.event.timestamp,
    uuid: deterministicUuid(stored),
    properties: { ...start, $process_person_profile: false, $geoip_disable: true },
  };
}
