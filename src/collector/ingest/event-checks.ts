/**
 * The checks every usage-event service runs after decoding, in this order: one known event is
 * present (or the request carries an event we do not implement), the anonymity gate on the fields
 * the protocol declares sensitive, the family's JSON Schema, and the clock. Rejections name the
 * field and never repeat a rejected value. The schema wording and the clock rule are the tbot
 * service's too.
 */
import type { DescMessage, JsonObject, Message } from '@bufbuild/protobuf';
import type { ErrorObject } from 'ajv';
import { ANONYMIZED_EXPECTATION, firstNotAnonymized, type SensitiveFields } from '../../protocol/anonymized.js';
import type { Validator } from '../../schemas/validators.js';
import { ConnectFailure, type Encoding } from './connect-protocol.js';
import { canonicalJson, decodeBinaryMessage, decodeJsonMessage, parseJsonBody, unknownBinaryFields, type UnknownField } from './proto-codec.js';

/** Clocks drift, but not by a day. */
export const MAX_FUTURE_MS = 24 * 3_600_000;

export const invalid = (message: string, reason: ConstructorParameters<typeof ConnectFailure>[2] = 'schema'): ConnectFailure =>
  new ConnectFailure('invalid_argument', message, reason);

/** One decoded request (or each element of a batch) and the unknown fields found at its top level. */
export interface DecodedEvent {
  request: JsonObject;
  /** Where it sits in the body, e.g. `events[3].`, '' for a single-event request. */
  path: string;
  topLevelUnknown: UnknownField[];
}

/**
 * Decodes a single-event or batch request, skipping unknown fields (`unknownFields` says how many).
 * A batch over `batch.max` events is refused whole.
 */
export function decodeEvents(schema: DescMessage, encoding: Encoding, body: Buffer, batch?: { max: number }): { events: DecodedEvent[]; unknownFields: number } {
  let decoded: JsonObject;
  let unknown: UnknownField[];
  if (encoding === 'json') ({ json: decoded, unknown } = decodeJsonMessage(schema, parseJsonBody(body)) as { json: JsonObject; unknown: UnknownField[] });
  else {
    const message = decodeBinaryMessage<Message>(schema, body);
    unknown = unknownBinaryFields(schema, message);
    decoded = canonicalJson(schema, message) as JsonObject;
  }
  const topLevel = (path: string): UnknownField[] => unknown.filter((field) => field.path === path);
  if (batch === undefined) return { events: [{ request: decoded, path: '', topLevelUnknown: topLevel('') }], unknownFields: unknown.length };
  const events = (decoded['events'] as JsonObject[] | undefined) ?? [];
  requireBatchSize(events.length, batch.max);
  return { events: events.map((request, index) => ({ request, path: `events[${index}].`, topLevelUnknown: topLevel(`events[${index}].`) })), unknownFields: unknown.length };
}

/** Every batch procedure's limit on events per call; over it, the call is refused whole. */
export function requireBatchSize(count: number, max: number): void {
  if (count > max) throw invalid(`events: ${count} events in one request; at most ${max}`, 'batch-too-large');
}

/**
 * A request without any event we declare, but with what can only be an event member we do not
 * (a message-shaped unknown field), is a valid request for an event this collector does not
 * implement: `unimplemented`, never a silent drop. Otherwise it simply lacks its event.
 */
export function missingEvent(decoded: DecodedEvent, isOtherEvent: (field: UnknownField) => boolean, expected: string): ConnectFailure {
  const other = decoded.topLevelUnknown.find(isOtherEvent);
  if (other === undefined) return invalid(`${decoded.path}event: expected one ${expected}`);
  const which = other.key === undefined ? `field number ${other.number}` : JSON.stringify(other.key);
  return new ConnectFailure('unimplemented', `${decoded.path}event ${which} is not implemented here; this procedure accepts only ${expected}s`, 'unimplemented-event');
}

/**
 * A second copy of an event within one request is a resend, not a second occurrence: it is
 * dropped, and counted. `identity` says what makes two events the same for the family (a tbot
 * start's random distinct id; for Connect and Discover, whose ids repeat by design, the whole
 * event with its time). PostHog would merge such copies anyway (their uuids are equal), so this
 * keeps the reports and PostHog agreeing. Copies in different requests are not looked for.
 */
export function dropRepeats<T>(events: readonly T[], identity: (event: T) => string): { events: T[]; repeats: number } {
  const seen = new Set<string>();
  const kept = events.filter((event) => {
    const key = identity(event);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { events: kept, repeats: events.length - kept.length };
}

/** The anonymity gate: `fields` are paths inside `message`, reported under `prefix`. */
export function requireAnonymized(message: Record<string, unknown>, fields: SensitiveFields, prefix: string): void {
  const field = firstNotAnonymized(message, fields);
  if (field !== undefined) throw invalid(`${prefix}${field}: expected ${ANONYMIZED_EXPECTATION}`, 'not-anonymized');
}

/**
 * A schema error as "field: problem; expected …", the field prefixed with where the event sits
 * (`events[3].`); an error about the whole event is named by the prefix alone, or `(request)`.
 */
export function describeSchemaError(error: ErrorObject | undefined, prefix: string): string {
  const field = `${prefix}${error?.instancePath.slice(1).replaceAll('/', '.') ?? ''}`.replace(/\.$/, '') || '(request)';
  const extra = error?.keyword === 'additionalProperties' ? ` "${String(error.params['additionalProperty'])}"` : '';
  // An object's description says what the object is, not what an extra key should have been.
  const description = (error?.parentSchema as { description?: unknown } | undefined)?.description;
  const expected = typeof description === 'string' && error?.keyword !== 'additionalProperties' ? `; expected ${description}` : '';
  return `${field}: ${error?.message ?? 'invalid'}${extra}${expected}`;
}

/** Refuses `value` with its first schema error. */
export function requireSchema(validator: Validator, value: unknown, prefix: string): void {
  if (!validator(value)) throw invalid(describeSchemaError(validator.errors?.[0], prefix));
}

/** One from more than a day ahead is a broken clock, and is refused. */
export function requireNotFuture(millis: number, receivedAt: Date, prefix: string): void {
  if (millis > receivedAt.getTime() + MAX_FUTURE_MS) throw invalid(`${prefix}timestamp: more than 24 h ahead of the collector's clock`, 'future-timestamp');
}

/** A missing timestamp means "when it arrived" (the contracts say so). */
export function settleTimestamp(request: JsonObject, receivedAt: Date, prefix: string): void {
  if (request['timestamp'] === undefined) request['timestamp'] = receivedAt.toISOString();
  else requireNotFuture(Date.parse(request['timestamp'] as string), receivedAt, prefix);
}
