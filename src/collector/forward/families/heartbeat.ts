/**
 * tbot.heartbeat under usage-metrics property names. Every heartbeat has its own random distinct
 * id, so a person profile would be a throwaway person per heartbeat: none is created. "Agents
 * running per day" in PostHog is the count of these events per day.
 */
import { fromWireHeartbeat, isWireHeartbeatEvent } from '../../../protocol/heartbeat-wire.js';
import { InvalidRecordError, type StoredRecord } from '../../store/record.js';
import type { FamilyEvent } from '../posthog-types.js';

export function heartbeatToPostHog(stored: StoredRecord): FamilyEvent {
  const event = stored.event;
  if (!isWireHeartbeatEvent(event)) throw new InvalidRecordError('not a well-formed heartbeat');
  return {
    event: 'tbot.heartbeat',
    distinct_id: event.distinctId,
    timestamp: event.timestamp,
    properties: { ...fromWireHeartbeat(event.heartbeat), $process_person_profile: false },
  };
}
