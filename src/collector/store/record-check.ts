/**
 * The check every stored line passes again on its way out (to PostHog, into a report). Segments
 * outlive collector versions and are plain files that can be edited, so what ingest once vouched
 * for is not taken on trust: the record must still be a record of its family, match that family's
 * schema (which holds the anonymity shapes and the closed vocabularies), carry the anonymizer's
 * output in every sensitive field, and hold only error text that passes today's screen. The
 * forwarder parks a failing line in the dead letters; a report skips it and counts it as damaged.
 *
 * Reasons name the family and the field, never a value or an unknown key (either may be the very
 * text that must not travel).
 */
import { fromJson, type DescMessage } from '@bufbuild/protobuf';
import type { ErrorObject } from 'ajv';
import { firstNotAnonymized, isAnonymized as isAnonymizedText } from '../../protocol/anonymized.js';
import { DISCOVER_REQUEST } from '../../protocol/discover-wire.js';
import { messageSchema } from '../../protocol/descriptors.js';
import { hasCanonicalShape, usesOnlyFieldNames } from '../../protocol/proto-json-shape.js';
import { PRODUCT_REQUEST_SENSITIVE, PRODUCT_SENSITIVE } from '../../protocol/teleport-wire.js';
import { listedElements, usageKind } from '../../protocol/usage-wire.js';
import { UUID_TEXT } from '../../text/canonical-text.js';
import { isTenantName } from '../tenants/tenant-name.js';
import { connectEventOf } from '../../protocol/connect-wire.js';
import { DISCOVER_EVENT_SENSITIVE, DISCOVER_REQUEST_SENSITIVE, discoverEventOf } from '../../protocol/discover-wire.js';
import { REDACTED, screenFreeText } from '../../protocol/free-text.js';
import { OTHER } from '../../protocol/vocabularies.js';
import {
  validateReceivedTbotEvent,
  validateSubmitConnectEvent,
  validateSubmitConnectExtraEvent,
  validateSubmitDiscoverEvent,
  validateSubmitHeartbeat,
  type Validator,
} from '../../schemas/validators.js';
import { familyOf, type Family, type StoredRecord } from './record.js';

export type RecordCheck = { ok: true; record: StoredRecord } | { ok: false; reason: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A schema error by field and keyword; an unknown key is not named (it may be a name itself). */
function schemaProblem(validator: Validator, at = ''): string {
  const error: ErrorObject | undefined = validator.errors?.[0];
  const field = `${at}${error?.instancePath.slice(1).replaceAll('/', '.') ?? ''}`.replace(/\.$/, '') || '(event)';
  if (error?.keyword === 'additionalProperties') return `${field}: has a field its contract does not define`;
  return `${field}: ${error?.message ?? 'invalid'}`;
}

/** Why `event` is not a well-formed, anonymous event of `family`; undefined when it is. */
type FamilyCheck = (event: Record<string, unknown>, record: Record<string, unknown>) => string | undefined;

function bySchema(validator: Validator, event: unknown): string | undefined {
  return validator(event) ? undefined : schemaProblem(validator);
}

/**
 * The message parses as its contract's ProtoJSON, with no field the contract does not define, and
 * every field spelled as the store writes it (`spelling`): fromJson also takes the other spelling,
 * which the checks and readers after this, looking fields up by the store's names, would not see.
 * What the store wrote has the canonical shape (proto names), checked without building the
 * message; anything else is judged by fromJson itself.
 */
function protoProblem(schema: DescMessage, json: unknown, at: string, spelling: 'proto' | 'json'): string | undefined {
  if (!hasCanonicalShape(schema, json))
    try {
      fromJson(schema, json as never, { ignoreUnknownFields: false });
    } catch {
      return `${at}: does not match ${schema.typeName}`;
    }
  else if (spelling === 'proto') return undefined;
  return usesOnlyFieldNames(schema, json, spelling) ? undefined : `${at}: has a field spelled otherwise than the store writes it`;
}

/** The anonymized fields of a product event, at every depth, hold the anonymizer's output. */
function productAnonymityProblem(schema: DescMessage, message: Record<string, unknown>, at: string): string | undefined {
  const bad = firstNotAnonymized(message, PRODUCT_SENSITIVE[schema.typeName] ?? {});
  if (bad !== undefined) return `${at}${bad}: not the anonymizer's output`;
  for (const field of schema.fields) {
    const inner = message[field.jsonName];
    if (field.fieldKind !== 'message' || !isObject(inner)) continue;
    const problem = productAnonymityProblem(field.message, inner, `${at}${field.jsonName}.`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

const isAnonymized = (value: unknown): boolean => typeof value === 'string' && isAnonymizedText(value);

const USAGE_KEYS = ['tenant', 'kind', 'report_uuid', 'cluster_name', 'reporter_hostid', 'start_time', 'report'];
/**
 * The anonymized bytes of a usage report's records (proto field names), by record list: absent
 * when empty. The anonymized names carried as text are the kind's `anonymizedText`, always present.
 */
const USAGE_RECORD_HMACS: Readonly<Record<string, readonly string[]>> = { records: ['user_name', 'bot_instance_id', 'bot_user_name'] };

const FAMILY_CHECKS: Record<Family, FamilyCheck> = {
  // Lines from before timestamps were always filled in happened on arrival (as the forwarder reads them).
  tbot: (event, record) => bySchema(validateReceivedTbotEvent, event['timestamp'] === undefined ? { ...event, timestamp: record['received_at'] } : event),
  'tbot.heartbeat': (event) => bySchema(validateSubmitHeartbeat, event),
  connect(event) {
    const found = connectEventOf(event);
    if (found === undefined) return '(event): holds no Connect event';
    const notAnonymized = firstNotAnonymized(found.event, found.spec.sensitive);
    if (notAnonymized !== undefined) return `${found.spec.member}.${notAnonymized}: not the anonymizer's output`;
    return bySchema(found.spec.contract === 'prehog' ? validateSubmitConnectEvent : validateSubmitConnectExtraEvent, event);
  },
  discover(event) {
    const found = discoverEventOf(event);
    if (found === undefined) return '(event): holds no Discover event';
    const notAnonymized = firstNotAnonymized(event, DISCOVER_REQUEST_SENSITIVE) ?? firstNotAnonymized(found.event as unknown as Record<string, unknown>, DISCOVER_EVENT_SENSITIVE);
    if (notAnonymized !== undefined) return `${notAnonymized}: not the anonymizer's output`;
    const problem = bySchema(validateSubmitDiscoverEvent, event);
    if (problem !== undefined) return problem;
    const error = found.event.status.error;
    // What ingest stored is the screened text (or the marker): it screens as kept, unchanged.
    if (error !== REDACTED && screenFreeText(error).text !== error) return `${found.step.member}.status.error: fails the free-text screen`;
    return undefined;
  },
  teleport(event) {
    const { tenant, request, unknown } = event;
    if (typeof tenant !== 'string' || !isTenantName(tenant)) return 'tenant: not a tenant name';
    if (Object.keys(event).some((key) => key !== 'tenant' && key !== 'request' && key !== 'unknown')) return '(event): has a field the store does not write';
    if (!isObject(request)) return 'request: not an object';
    if (firstNotAnonymized(request, PRODUCT_REQUEST_SENSITIVE) !== undefined) return "clusterName: not the anonymizer's output";
    const schema = messageSchema(DISCOVER_REQUEST);
    // The product events are stored as their requests' ProtoJSON with JSON names (what the service decoded).
    const problem = protoProblem(schema, request, 'request', 'json');
    if (problem !== undefined) return problem;
    if (unknown !== undefined) {
      // A member kept raw never leaves (only its number does); its shape is all there is to check.
      if (!isObject(unknown) || !Number.isInteger(unknown['number']) || typeof unknown['bytes'] !== 'string') return 'unknown: not a raw member';
      return undefined;
    }
    const member = schema.oneofs[0]?.fields.find((field) => isObject(request[field.jsonName]));
    if (member?.message === undefined) return 'request: holds no event';
    return productAnonymityProblem(member.message, request[member.jsonName] as Record<string, unknown>, `${member.jsonName}.`);
  },
  usage(event) {
    if (Object.keys(event).some((key) => !USAGE_KEYS.includes(key))) return '(event): has a field the store does not write';
    const { tenant, kind, report_uuid: reportUuid, cluster_name: clusterName, reporter_hostid: reporterHostid, start_time: startTime, report } = event;
    if (typeof tenant !== 'string' || !isTenantName(tenant)) return 'tenant: not a tenant name';
    const spec = typeof kind === 'string' ? usageKind(kind) : undefined;
    if (spec === undefined) return 'kind: not a usage report kind';
    if (typeof reportUuid !== 'string' || !UUID_TEXT.test(reportUuid)) return 'report_uuid: not a UUID';
    if (!isAnonymized(clusterName)) return "cluster_name: not the anonymizer's output";
    if (!isAnonymized(reporterHostid)) return "reporter_hostid: not the anonymizer's output";
    if (typeof startTime !== 'string' || Number.isNaN(Date.parse(startTime))) return 'start_time: not a time';
    if (!isObject(report)) return 'report: not an object';
    const problem = protoProblem(messageSchema(spec.reportType), report, 'report', 'proto');
    if (problem !== undefined) return problem;
    // The copies inside the report must be the anonymized values the record names.
    if (report['cluster_name'] !== clusterName || report['reporter_hostid'] !== reporterHostid) return 'report: its cluster or reporter differs from the record';
    for (const [list, keys] of Object.entries(USAGE_RECORD_HMACS)) {
      const records = report[list];
      if (records === undefined) continue;
      if (!Array.isArray(records)) return `report.${list}: not a list`;
      // Plain loops: a billing report runs this for every user record of a month.
      for (let index = 0; index < records.length; index += 1) {
        const record = records[index] as unknown;
        if (!isObject(record)) continue;
        for (const key of keys) if (record[key] !== undefined && !isAnonymized(record[key])) return `report.${list}[${index}].${key}: not the anonymizer's output`;
      }
    }
    for (const text of spec.anonymizedText ?? [])
      for (const [element, at] of listedElements(report, text)) if (!isAnonymized(element[text.field])) return `report.${at}${text.field}: not the anonymizer's output`;
    for (const closed of spec.closed ?? [])
      for (const [element, at] of listedElements(report, closed)) {
        const value = element[closed.field];
        if (value !== undefined && value !== OTHER && !closed.values.includes(value as string)) return `report.${at}${closed.field}: not in its closed vocabulary`;
      }
    return undefined;
  },
};

/**
 * Checks one parsed stored line. A line without `family` is from before families existed: a tbot
 * event. Returns the record, typed, when every check passes.
 */
export function checkStoredRecord(value: unknown): RecordCheck {
  if (!isObject(value)) return { ok: false, reason: 'not a stored record' };
  const { received_at: receivedAt, event } = value;
  if (typeof receivedAt !== 'string' || Number.isNaN(Date.parse(receivedAt))) return { ok: false, reason: 'received_at: not a time' };
  if (value['family'] !== undefined && typeof value['family'] !== 'string') return { ok: false, reason: 'family: not a name' };
  const family = familyOf(value as { family?: string });
  const check = Object.hasOwn(FAMILY_CHECKS, family) ? FAMILY_CHECKS[family as Family] : undefined;
  if (check === undefined) return { ok: false, reason: 'family: not one this collector knows' };
  if (Object.keys(value).some((key) => key !== 'received_at' && key !== 'family' && key !== 'event' && key !== 'uuid'))
    return { ok: false, reason: `${family}: the record has a field the store does not write` };
  if (value['uuid'] !== undefined && (typeof value['uuid'] !== 'string' || !UUID_TEXT.test(value['uuid']))) return { ok: false, reason: `${family}: uuid is not a UUID` };
  if (!isObject(event)) return { ok: false, reason: `${family}: event is not an object` };
  const problem = check(event, value);
  return problem === undefined ? { ok: true, record: value as unknown as StoredRecord } : { ok: false, reason: `${family}: ${problem}` };
}
