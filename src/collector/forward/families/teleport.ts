/**
 * Product-usage events (the non-Discover members of prehog.v1alpha's SubmitEventRequest) under the
 * PostHog names the contract's comments give (`tp.user.login`, `tp.session.start`, …; `tp.` + the
 * member's proto name where it gives none). Each field goes out as `tp.` + its proto name unless
 * the contract names its property otherwise; the tenant is a PostHog group, never a property. An
 * event the collector does not declare goes out as `tp.unknown_event` with its field number only:
 * its raw bytes were never checked, so they never leave. Anonymized fields are checked again.
 */
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { firstNotAnonymized } from '../../../protocol/anonymized.js';
import { messageSchema } from '../../../protocol/descriptors.js';
import { DISCOVER_REQUEST } from '../../../protocol/discover-wire.js';
import { PRODUCT_POSTHOG_NAMES, PRODUCT_REQUEST_SENSITIVE, PRODUCT_SENSITIVE, type StoredTeleportEvent } from '../../../protocol/teleport-wire.js';
import { POSTHOG_ENUM_VALUES } from '../../../protocol/usage-wire.js';
import { InvalidRecordError, type StoredRecord } from '../../store/record.js';
import type { FamilyEvent, PostHogProperties, PostHogValue } from '../posthog-types.js';

/** Property names the contract gives that are not `tp.` + the field's name, by member and field. */
const PROPERTY_NAMES: Readonly<Record<string, string>> = {
  'userCertificateIssuedEvent.ttl': 'tp.ttl_minutes',
  'resourceHeartbeat.resource_kind': 'tp.resource_type',
  'resourceHeartbeat.static': 'tp.is_static',
  'spiffeSvidIssued.spiffe_id': 'tp.spiffe.id',
  'spiffeSvidIssued.ip_sans_count': 'tp.spiffe.ip_sans_count',
  'spiffeSvidIssued.dns_sans_count': 'tp.spiffe.dns_sans_count',
  'spiffeSvidIssued.svid_type': 'tp.spiffe.svid_type',
  'sessionRecordingAccess.format': 'tp.recording.format',
  'userTaskState.task_type': 'tp.usertask.task_type',
  'userTaskState.issue_type': 'tp.usertask.issue_type',
  'userTaskState.state': 'tp.usertask.state',
  'userTaskState.instances_count': 'tp.usertask.discover_ec2.instances_count',
  'discoveryFetchEvent.cloud_provider': 'tp.cloud',
};

/** A Duration in ProtoJSON ("3600.5s") as whole minutes, rounded up, as the contract says. */
const minutes = (duration: unknown): number => Math.ceil(Number.parseFloat(String(duration)) / 60);

/** A message's fields under their proto names, nested messages as objects, 64-bit counts as numbers. */
function plain(schema: DescMessage, message: Record<string, unknown>): Record<string, PostHogValue> {
  const out: Record<string, PostHogValue> = {};
  for (const field of schema.fields) {
    const raw = message[field.jsonName];
    if (raw === undefined || raw === null) continue;
    out[field.name] = fieldValue(field, raw);
  }
  return out;
}

function fieldValue(field: DescField, raw: unknown): PostHogValue {
  // A well-known type (Duration, Timestamp) is already a string in ProtoJSON.
  if (field.fieldKind === 'message') return field.message.typeName.startsWith('google.protobuf.') ? (raw as PostHogValue) : plain(field.message, raw as Record<string, unknown>);
  if (field.fieldKind === 'list')
    return (raw as unknown[]).map((element) => (field.listKind === 'message' ? plain(field.message, element as Record<string, unknown>) : (element as PostHogValue)));
  if (field.fieldKind === 'scalar' && typeof raw === 'string' && /^-?\d+$/.test(raw) && field.scalar !== 9 && field.scalar !== 12) return Number(raw);
  if (field.fieldKind === 'enum' && typeof raw === 'string' && raw in POSTHOG_ENUM_VALUES) return POSTHOG_ENUM_VALUES[raw]!;
  return raw as PostHogValue;
}

function checkAnonymized(schema: DescMessage, message: Record<string, unknown>): void {
  const bad = firstNotAnonymized(message, PRODUCT_SENSITIVE[schema.typeName] ?? {});
  if (bad !== undefined) throw new InvalidRecordError(`stored teleport event: ${bad} is not an anonymized value`);
  for (const field of schema.fields)
    if (field.fieldKind === 'message' && typeof message[field.jsonName] === 'object' && message[field.jsonName] !== null)
      checkAnonymized(field.message, message[field.jsonName] as Record<string, unknown>);
}

export function teleportToPostHog(stored: StoredRecord): FamilyEvent {
  const { tenant, request, unknown } = stored.event as StoredTeleportEvent;
  if (typeof tenant !== 'string' || tenant === '' || typeof request !== 'object' || request === null || typeof request['timestamp'] !== 'string')
    throw new InvalidRecordError('stored teleport event lacks its tenant, request or time');
  if (firstNotAnonymized(request, PRODUCT_REQUEST_SENSITIVE) !== undefined) throw new InvalidRecordError('stored teleport event: clusterName is not an anonymized value');
  const clusterName = request['clusterName'] as string;
  const properties: PostHogProperties = { 'tp.cluster_name': clusterName, $groups: { tenant }, $process_person_profile: false };
  if (typeof request['teleportVersion'] === 'string' && request['teleportVersion'] !== '') properties['tp.teleport_version'] = request['teleportVersion'];
  const timestamp = request['timestamp'];
  if (unknown !== undefined) return { event: 'tp.unknown_event', distinct_id: clusterName, timestamp, properties: { ...properties, 'tp.event_number': unknown.number } };
  const member = messageSchema(DISCOVER_REQUEST).oneofs[0]!.fields.find((field) => typeof request[field.jsonName] === 'object' && request[field.jsonName] !== null);
  if (member === undefined || member.message === undefined) throw new InvalidRecordError('stored teleport event holds no event');
  const event = request[member.jsonName] as Record<string, unknown>;
  checkAnonymized(member.message, event);
  for (const [name, raw] of Object.entries(plain(member.message, event))) {
    const property = PROPERTY_NAMES[`${member.jsonName}.${name}`] ?? `tp.${name}`;
    properties[property] = property === 'tp.ttl_minutes' ? minutes(raw) : raw;
  }
  const userName = event['userName'];
  return {
    event: PRODUCT_POSTHOG_NAMES[member.jsonName] ?? `tp.${member.name}`,
    distinct_id: typeof userName === 'string' && userName !== '' ? userName : clusterName,
    timestamp,
    properties,
  };
}
