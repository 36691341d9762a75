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
import type { ErrorObject } from 'ajv';
import { firstNotAnonymized } from '../../protocol/anonymized.js';
import { connectEventOf } from '../../protocol/connect-wire.js';
import { DISCOVER_EVENT_SENSITIVE, DISCOVER_REQUEST_SENSITIVE, discoverEventOf } from '../../protocol/discover-wire.js';
import { REDACTED, screenFreeText } from '../../protocol/free-text.js';
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
  if (Object.keys(value).some((key) => key !== 'received_at' && key !== 'family' && key !== 'event'))
    return { ok: false, reason: `${family}: the record has a field the store does not write` };
  if (!isObject(event)) return { ok: false, reason: `${family}: event is not an object` };
  const problem = check(event, value);
  return problem === undefined ? { ok: true, record: value as unknown as StoredRecord } : { ok: false, reason: `${family}: ${problem}` };
}
