/**
 * Discover events under RFD 0094's names: `tp.ui.discover.*` events with `tp.discover.*`
 * properties. There is no persisted person behind a wizard run, so the run id is the distinct id
 * (PostHog funnels then follow one run from step to step) and no person profile is created; the
 * run id is also kept as `tp.discover.metadata.id`, as the RFD names it.
 */
import { DISCOVER_PROPERTIES as P, discoverEventOf, type StoredDiscoverRequest } from '../../../protocol/discover-wire.js';
import { InvalidRecordError, type StoredRecord } from '../../store/record.js';
import type { FamilyEvent, PostHogProperties } from '../posthog-types.js';

/** Step-specific fields: int64 counts arrive as ProtoJSON strings and go out as numbers. */
const EXTRAS = ['resourcesCount', 'selectedResourcesCount', 'deployMethod', 'deployType', 'configMethod'] as const;

export function discoverToPostHog(stored: StoredRecord): FamilyEvent {
  const request = stored.event as StoredDiscoverRequest;
  const found = discoverEventOf(request);
  if (found === undefined) throw new InvalidRecordError('stored discover record holds no Discover event');
  const { metadata, resource, status } = found.event;
  if (typeof metadata?.id !== 'string' || typeof status?.status !== 'string' || typeof request.timestamp !== 'string')
    throw new InvalidRecordError('stored discover event lacks its run id, status or time');
  const properties: PostHogProperties = {
    [P.clusterName]: request.clusterName,
    [P.id]: metadata.id,
    [P.sso]: metadata.sso,
    [P.status]: status.status,
    $process_person_profile: false,
  };
  // RFD 0094's own metadata has only the run id: an unreported user is left out, not sent empty.
  if (metadata.userName !== '') properties[P.userName] = metadata.userName;
  if (request.teleportVersion !== '') properties[P.teleportVersion] = request.teleportVersion;
  if (resource !== undefined) properties[P.resource] = resource.resource;
  if (status.error !== '') properties[P.error] = status.error;
  if (status.errorClass !== undefined && status.errorClass !== 'none') properties[P.errorClass] = status.errorClass;
  for (const extra of EXTRAS) {
    const value = found.event[extra];
    if (typeof value === 'string') properties[P[extra]] = /^\d+$/.test(value) ? Number(value) : value;
  }
  return { event: found.step.posthogName, distinct_id: metadata.id, timestamp: request.timestamp, properties };
}
