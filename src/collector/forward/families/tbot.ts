/**
 * tbot.start under the Machine ID usage-metrics property names. Every start has a fresh random
 * distinct id, so a person profile would be one throwaway person per start: none is created.
 */
import { fromWireStart, isWireTbotEvent } from '../../../protocol/tbot-wire.js';
import { InvalidRecordError, type StoredRecord } from '../../store/record.js';
import type { FamilyEvent } from '../posthog-types.js';

export function tbotToPostHog(stored: StoredRecord): FamilyEvent {
  const event = stored.event;
  if (!isWireTbotEvent(event)) throw new InvalidRecordError('not a well-formed tbot event');
  return {
    event: 'tbot.start',
    distinct_id: event.distinctId,
    // A stored event without its own time (the proto lets a sender omit it) happened on arrival.
    timestamp: event.timestamp ?? stored.received_at,
    properties: { ...fromWireStart(event.start), $process_person_profile: false },
  };
}
