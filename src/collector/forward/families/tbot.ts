/**
 * tbot.start under the Machine ID usage-metrics property names. Every start has a fresh random
 * distinct id, so a person profile would be one throwaway person per start: none is created.
 */
import { fromWireStart, type SubmitTbotEventRequest } from '../../../protocol/tbot-wire.js';
import type { StoredRecord } from '../../store/record.js';
import type { FamilyEvent } from '../posthog-event.js';

export function tbotToPostHog(stored: StoredRecord): FamilyEvent {
  const event = stored.event as SubmitTbotEventRequest;
  return {
    event: 'tbot.start',
    distinct_id: event.distinctId,
    timestamp: event.timestamp,
    properties: { ...fromWireStart(event.start), $process_person_profile: false },
  };
}
