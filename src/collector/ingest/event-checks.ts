/**
 * The checks every usage-event service runs after decoding, in this order: one known event is
 * present (or the request carries an event we do not implement), the anonymity gate on the fields
 * the protocol declares sensitive, the family's JSON Schema, and the clock. Rejections name the
 * field and never repeat a rejected value.
 */
import type { DescMessage, JsonObject } from '@bufbuild/protobuf';
import { ANONYMIZED_EXPECTATION, firstNotAnonymized, type SensitiveFields } from '../../protocol/anonymized.js';
import type { Validator } from '../../schemas/validators.js';
import { ConnectFailure } from './connect-protocol.js';
import { decodeRequest, type UnknownField } from './proto-codec.js';
import type { Encoding } from './connect-protocol.js';
import type { IngestTally } from './service.js';
import { MAX_FUTURE_MS } from './services/tbot.js';

export const invalid = (message: string, reason: ConstructorParameters<typeof ConnectFailure>[3] = 'schema'): ConnectFailure => new ConnectFailure(400, 'invalid_argument', message, reason);

/** One decoded request (or each element of a batch) and the unknown fields found at its top level. */
export interface DecodedEvent {
  request: JsonObject;
  /** Where it sits in the body, e.g. `events[3].`, '' for a single-event request. */
  path: string;
  topLevelUnknown: UnknownField[];
}

/**
 * Decodes a single-event or batch request, skipping (and tallying) unknown fields. A batch over
 * `maxBatch` is refused whole.
 */
export function decodeEvents(schema: DescMessage, encoding: Encoding, body: Buffer, tally: IngestTally, batch?: { max: number }): DecodedEvent[] {
  const unknown: UnknownField[] = [];
  const decoded = decodeRequest(schema, encoding, body, undefined, (field) => {
    tally.unknownField();
    unknown.push(field);
  }) as JsonObject;
  const topLevel = (path: string): UnknownField[] => unknown.filter((field) => field.path === path);
  if (batch === undefined) return [{ request: decoded, path: '', topLevelUnknown: topLevel('') }];
  const events = (decoded['events'] as JsonObject[] | undefined) ?? [];
  if (events.length > batch.max) throw invalid(`events: ${events.length} events in one request; at most ${batch.max}`, 'batch-too-large');
  return events.map((request, index) => ({ request, path: `events[${index}].`, topLevelUnknown: topLevel(`events[${index}].`) }));
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
  return new ConnectFailure(501, 'unimplemented', `${decoded.path}event ${which} is not implemented here; this procedure accepts only ${expected}s`, 'unimplemented-event');
}

/** The anonymity gate: `fields` are paths inside `message`, reported under `prefix`. */
export function requireAnonymized(message: Record<string, unknown>, fields: SensitiveFields, prefix: string): void {
  const field = firstNotAnonymized(message, fields);
  if (field !== undefined) throw invalid(`${prefix}${field}: expected ${ANONYMIZED_EXPECTATION}`, 'not-anonymized');
}

/** The first schema error as "field: problem", prefixed with where the event sits. */
export function requireSchema(validator: Validator, value: unknown, prefix: string): void {
  if (validator(value)) return;
  const error = validator.errors?.[0];
  const field = error === undefined ? '' : error.instancePath.slice(1).replaceAll('/', '.');
  const extra = error?.keyword === 'additionalProperties' ? ` "${String(error.params['additionalProperty'])}"` : '';
  const expected = typeof error?.parentSchema?.['description'] === 'string' && error.keyword !== 'additionalProperties' ? `; expected ${error.parentSchema['description']}` : '';
  throw invalid(`${prefix}${field || '(request)'}: ${error?.message ?? 'invalid'}${extra}${expected}`);
}

/**
 * A missing timestamp means "when it arrived" (the contracts say so); one from more than a day
 * ahead is a broken clock and is refused.
 */
export function settleTimestamp(request: JsonObject, receivedAt: Date, prefix: string): void {
  if (request['timestamp'] === undefined) request['timestamp'] = receivedAt.toISOString();
  else if (Date.parse(request['timestamp'] as string) > receivedAt.getTime() + MAX_FUTURE_MS) throw invalid(`${prefix}timestamp: more than 24 h in the future`, 'future-timestamp');
}
