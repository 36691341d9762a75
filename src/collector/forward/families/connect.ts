/**
 * Connect events under the product-metrics names (`connect.cluster.login`, ...) with the proto
 * fields as snake_case properties, so PostHog funnels and breakdowns can filter on them. The
 * distinct id is Connect's installation id, persisted by the app, so person profiles are kept:
 * one person is one installation (a random UUID, no personal data), which is what makes PostHog's
 * unique-user, retention and stickiness insights count installations rather than events. The
 * platform is set on that person: os and arch once, os and app versions on every start or login.
 */
import { connectEventOf, connectProperties, type StoredConnectRequest } from '../../../protocol/connect-wire.js';
import { InvalidRecordError, type StoredRecord } from '../../store/record.js';
import type { FamilyEvent, PostHogProperties } from '../posthog-types.js';

/** The events that describe the installation's platform. */
const PLATFORM_EVENTS = new Set(['connect.start', 'connect.cluster.login']);

export function connectToPostHog(stored: StoredRecord): FamilyEvent {
  const request = stored.event as StoredConnectRequest;
  const found = connectEventOf(request);
  if (found === undefined || typeof request.distinctId !== 'string' || typeof request.timestamp !== 'string')
    throw new InvalidRecordError('stored connect record holds no Connect event with its id and time');
  const properties: PostHogProperties = { ...connectProperties(found.spec, found.event), $process_person_profile: true };
  if (PLATFORM_EVENTS.has(found.spec.posthogName)) {
    properties['$set_once'] = { os: properties['os'] as string, arch: properties['arch'] as string };
    properties['$set'] = { os_version: properties['os_version'] as string, connect_version: properties['connect_version'] as string };
  }
  return { event: found.spec.posthogName, distinct_id: request.distinctId, timestamp: request.timestamp, properties };
}
