/**
 * tbotanalytics.v1.AgentReportingService/SubmitHeartbeat: one daily heartbeat per request, in
 * either Connect encoding. Received like tbot events (tolerant receive): fields a newer agent may
 * add are skipped and counted, never stored; an omitted timestamp means the time of arrival.
 * What is stored must then pass the very schema the agent checks before sending, with a timestamp
 * that is a real RFC 3339 instant no more than a day ahead. Rejections name the field.
 */
import type { JsonObject, JsonValue, Message } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { messageSchema } from '../../../protocol/descriptors.js';
import { SUBMIT_HEARTBEAT_PATH, type WireHeartbeat } from '../../../protocol/heartbeat-wire.js';
import { checkInstant, formatInstant, instantMillis, instantOf, parseRfc3339, type Instant } from '../../../protocol/rfc3339.js';
import { validateSubmitHeartbeat } from '../../../schemas/validators.js';
import { invalid, requireNotFuture, requireSchema } from '../event-checks.js';
import { canonicalJson, decodeBinaryMessage, decodeJsonMessage, isJsonObject, parseJsonBody, unknownBinaryFields } from '../proto-codec.js';
import type { Accepted, IngestService } from '../service.js';

const schema = () => messageSchema('tbotanalytics.v1.SubmitHeartbeatRequest');
/** The stored heartbeat's fields, in this one order whichever path the request took. */
const FIELDS: readonly (keyof WireHeartbeat)[] = [
  'runMode',
  'version',
  'joinType',
  'renewals',
  'renewalFailures',
  'outputsIdentity',
  'outputsDatabase',
  'outputsKubernetes',
  'outputsApplication',
  'outputsSshHost',
  'outputsSpiffeSvid',
  'uptimeBucket',
];

function finish(decoded: JsonObject, instant: Instant | undefined, receivedAt: Date, unknownFields: number): Accepted {
  const wire = decoded['heartbeat'];
  const heartbeat = isJsonObject(wire) ? Object.fromEntries(FIELDS.map((field) => [field, wire[field]])) : undefined;
  const event = { distinctId: decoded['distinctId'], timestamp: formatInstant(instant ?? instantOf(receivedAt)), ...(heartbeat === undefined ? {} : { heartbeat }) };
  requireSchema(validateSubmitHeartbeat, event, '');
  if (instant !== undefined) requireNotFuture(instantMillis(instant), receivedAt, '');
  return { events: [event], notes: { unknownFields } };
}

function acceptJson(value: JsonValue, receivedAt: Date): Accepted {
  let request = value;
  let instant: Instant | undefined;
  if (isJsonObject(value) && typeof value['timestamp'] === 'string') {
    const parsed = parseRfc3339(value['timestamp']);
    if (!parsed.ok) throw invalid(`timestamp: ${parsed.reason}`, 'decode');
    instant = parsed.instant;
    request = { ...value, timestamp: formatInstant(instant) };
  }
  // What the agent sends passes the strict schema as it is; anything else takes the reflective decode.
  if (validateSubmitHeartbeat(request)) return finish(request as JsonObject, instant, receivedAt, 0);
  const { json, unknown } = decodeJsonMessage(schema(), request);
  return finish(json as JsonObject, instant, receivedAt, unknown.length);
}

function acceptBinary(body: Buffer, receivedAt: Date): Accepted {
  const message = decodeBinaryMessage<Message & { timestamp?: Timestamp }>(schema(), body);
  let instant: Instant | undefined;
  if (message.timestamp !== undefined) {
    const checked = checkInstant(Number(message.timestamp.seconds), message.timestamp.nanos);
    if (!checked.ok) throw invalid(`timestamp: ${checked.reason}`, 'decode');
    instant = checked.instant;
  }
  return finish(canonicalJson(schema(), message) as JsonObject, instant, receivedAt, unknownBinaryFields(schema(), message).length);
}

export const heartbeatService: IngestService = {
  path: SUBMIT_HEARTBEAT_PATH,
  family: 'tbot.heartbeat',
  maxBodyBytes: 64 * 1024,
  accept: (encoding, body, receivedAt) => (encoding === 'json' ? acceptJson(parseJsonBody(body), receivedAt) : acceptBinary(body, receivedAt)),
};
