/**
 * One prehog.v1alpha.SubmitTbotEventRequest, from either encoding to the record the collector
 * stores. Strict send, tolerant receive: the agent validates against tbot-event.schema.json; here
 * the collector accepts what Teleport's own tbot may send (tbot-event.received.schema.json) and
 * stores only the known fields, in one canonical spelling whichever path a request took.
 *
 * The JSON fast path takes a body that already passes the agent's strict schema without the
 * reflective decode. Strict is a subset of received, and both paths end in `finish`, so a request
 * gets the same verdict and the same stored bytes on either path (a test feeds both one corpus).
 */
import type { JsonObject, JsonValue, Message } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { messageSchema } from '../../../protocol/descriptors.js';
import { checkInstant, formatInstant, instantMillis, instantOf, parseRfc3339, type Instant } from '../../../protocol/rfc3339.js';
import type { ReceivedTbotEvent } from '../../../protocol/tbot-wire.js';
import { validateHelperName, validateHelperVersion, validateReceivedTbotEvent, validateSubmitTbotEvent } from '../../../schemas/validators.js';
import type { ConnectFailure } from '../connect-protocol.js';
import { invalid, requireNotFuture, requireSchema } from '../event-checks.js';
import { canonicalJson, decodeJsonMessage, isJsonObject, unknownBinaryFields } from '../proto-codec.js';
import type { IngestNotes } from '../service.js';

export const submitTbotEventSchema = () => messageSchema('prehog.v1alpha.SubmitTbotEventRequest');

export interface AcceptedTbotEvent {
  event: ReceivedTbotEvent;
  notes: Pick<IngestNotes, 'unknownFields' | 'privacyDroppedFields'>;
}

export interface DecodeOptions {
  /** Off only in the test that compares the two paths. */
  fastPath?: boolean;
  /** Where this request sits in a batch ("events[3]."), for error messages. */
  at?: string;
}

function timestampFailure(at: string, reason: string): ConnectFailure {
  return invalid(`${at}timestamp: ${reason}`, 'decode');
}

/**
 * Builds the stored event field by field, so it holds the known fields only, in one order.
 * `instant` is the request's timestamp, already checked by the caller (from the JSON string or the
 * binary Timestamp), or undefined when the request had none.
 */
function finish(decoded: JsonObject, instant: Instant | undefined, receivedAt: Date, at: string, unknownFields: number, helpersChecked = false): AcceptedTbotEvent {
  const wire = decoded['start'];
  let privacyDroppedFields = 0;
  const helper = (value: JsonValue | undefined, allowed: (value: unknown) => boolean): string | undefined => {
    // An empty helper string means "no helper", as the agent leaves it out.
    if (value === undefined || value === '') return undefined;
    // The received schema below checks kept helpers again, so a skipped check here cannot let one through.
    if (typeof value === 'string' && (helpersChecked || allowed(value))) return value;
    privacyDroppedFields += 1;
    return undefined;
  };
  let start: JsonObject | undefined;
  if (isJsonObject(wire)) {
    const [helperName, helperVersion] = [helper(wire['helper'], validateHelperName), helper(wire['helperVersion'], validateHelperVersion)];
    start = {
      runMode: wire['runMode']!,
      version: wire['version']!,
      joinType: wire['joinType']!,
      ...(helperName === undefined ? {} : { helper: helperName }),
      ...(helperVersion === undefined ? {} : { helperVersion }),
      destinationsOther: wire['destinationsOther']!,
      destinationsDatabase: wire['destinationsDatabase']!,
      destinationsKubernetes: wire['destinationsKubernetes']!,
      destinationsApplication: wire['destinationsApplication']!,
    };
  }
  // The proto says an omitted timestamp means the time of ingestion.
  const event = { distinctId: decoded['distinctId'], timestamp: formatInstant(instant ?? instantOf(receivedAt)), ...(start === undefined ? {} : { start }) };
  requireSchema(validateReceivedTbotEvent, event, at);
  if (instant !== undefined) requireNotFuture(instantMillis(instant), receivedAt, at);
  return { event: event as unknown as ReceivedTbotEvent, notes: { unknownFields, privacyDroppedFields } };
}

/**
 * A request given as parsed JSON. Its timestamp is checked field by field first and rewritten in
 * UTC, on both paths, so a calendar-impossible date is refused whichever path would take it.
 */
export function acceptTbotJson(value: JsonValue, receivedAt: Date, options: DecodeOptions = {}): AcceptedTbotEvent {
  const at = options.at ?? '';
  let request = value;
  let instant: Instant | undefined;
  if (isJsonObject(value) && typeof value['timestamp'] === 'string') {
    const parsed = parseRfc3339(value['timestamp']);
    if (!parsed.ok) throw timestampFailure(at, parsed.reason);
    instant = parsed.instant;
    request = { ...value, timestamp: formatInstant(instant) };
  }
  // The strict schema has checked the helper strings with the same definition already.
  if (options.fastPath !== false && validateSubmitTbotEvent(request)) return finish(request as JsonObject, instant, receivedAt, at, 0, true);
  const { json, unknown } = decodeJsonMessage(submitTbotEventSchema(), request, at);
  return finish(json as JsonObject, instant, receivedAt, at, unknown.length);
}

/** A request decoded from binary protobuf (alone, or as one element of a batch). */
export function acceptTbotMessage(message: Message & { timestamp?: Timestamp }, receivedAt: Date, options: DecodeOptions = {}): AcceptedTbotEvent {
  const at = options.at ?? '';
  let instant: Instant | undefined;
  if (message.timestamp !== undefined) {
    const { seconds, nanos } = message.timestamp;
    // Number() of a huge bigint is not a safe integer, which checkInstant refuses.
    const checked = checkInstant(Number(seconds), nanos);
    if (!checked.ok) throw timestampFailure(at, checked.reason);
    instant = checked.instant;
  }
  return finish(canonicalJson(submitTbotEventSchema(), message) as JsonObject, instant, receivedAt, at, unknownBinaryFields(submitTbotEventSchema(), message).length);
}
