/**
 * prehog.v1alpha.TeleportReportingService as a real auth server calls it: SubmitEvent (one event)
 * and SubmitEvents (up to 500, accepted or refused as a whole), every member of the oneof, mixed
 * batches included, and HelloTeleport (the auth server's connectivity probe).
 *
 * - Discover members (client wizard events) need no tenant and are stored as `discover`, checked
 *   by discover.ts as before.
 * - Every other member is product usage: it needs the caller's tenant (the transport proves it
 *   with a client certificate) and is stored as `teleport`, the tenant beside the request, never
 *   inside it. Its anonymized fields are checked field by field (teleport-wire.ts); every other
 *   string is screened as free text.
 * - A member this collector does not declare is, in binary, a valid request for an event newer
 *   than our contract: accepted from a tenant, stored raw (its field number and base64 bytes) and
 *   counted as "unknown event N". JSON carries a name, not a number, and values we cannot check:
 *   such a request is refused with `unimplemented`.
 */
import type { DescField, DescMessage, JsonObject, JsonValue } from '@bufbuild/protobuf';
import { messageSchema } from '../../../protocol/descriptors.js';
import { DISCOVER_BATCH, DISCOVER_REQUEST, DISCOVER_REQUEST_FIELDS, MAX_DISCOVER_BATCH, SUBMIT_EVENT_PATH, SUBMIT_EVENTS_PATH } from '../../../protocol/discover-wire.js';
import { screenFreeText } from '../../../protocol/free-text.js';
import { isProductMember, PRODUCT_REQUEST_SENSITIVE, PRODUCT_SENSITIVE, PRODUCT_VOCABULARY, type StoredTeleportEvent } from '../../../protocol/teleport-wire.js';
import type { Family } from '../../store/record.js';
import { ConnectFailure } from '../connect-protocol.js';
import { isVersion, OTHER } from '../../../protocol/vocabularies.js';
import { decodeEvents, dropRepeats, invalid, requireAnonymized, settleTimestamp, type DecodedEvent } from '../event-checks.js';
import type { UnknownField } from '../proto-codec.js';
import type { Accepted, Caller, IngestService, Redaction } from '../service.js';
import { checkDiscoverEvent } from './discover.js';

const BATCH_BODY_BYTES = 1024 * 1024;
export const HELLO_TELEPORT_PATH = '/prehog.v1alpha.TeleportReportingService/HelloTeleport';

const needsTenant = (what: string): ConnectFailure => new ConnectFailure('unauthenticated', `${what} is product usage: it needs a tenant client certificate`, 'unauthenticated');

/** The oneof member a decoded request carries (its field), if it carries a declared one. */
function memberOf(request: JsonObject): DescField | undefined {
  const oneof = messageSchema(DISCOVER_REQUEST).oneofs[0]!;
  return oneof.fields.find((field) => request[field.jsonName] !== undefined && request[field.jsonName] !== null);
}

/** A length-delimited top-level field that is no declared field: an event member newer than our contract. */
const isUnknownMember = (field: UnknownField): boolean =>
  field.wireType === 2 && field.number !== undefined && field.number >= 3 && field.number !== 8 && field.number !== DISCOVER_REQUEST_FIELDS.teleportVersion;

/** The value bytes of a length-delimited field as read (its length prefix removed). */
function withoutLength(data: Uint8Array): Uint8Array {
  let at = 0;
  while (at < data.length && (data[at]! & 0x80) !== 0) at += 1;
  return data.subarray(at + 1);
}

/**
 * Checks one product event message against the anonymity table and screens its other strings, in
 * place; `prefix` names where it sits for errors.
 */
function checkProductMessage(schema: DescMessage, value: JsonValue | undefined, prefix: string, redactions: Redaction[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const message = value as JsonObject;
  const sensitive = PRODUCT_SENSITIVE[schema.typeName] ?? {};
  requireAnonymized(message, sensitive, prefix);
  for (const field of schema.fields) {
    const inner = message[field.jsonName];
    if (field.fieldKind === 'message') checkProductMessage(field.message, inner, `${prefix}${field.jsonName}.`, redactions);
    else if (field.fieldKind === 'list' && field.listKind === 'message' && Array.isArray(inner))
      for (const [index, element] of inner.entries()) checkProductMessage(field.message, element, `${prefix}${field.jsonName}[${index}].`, redactions);
    else if (field.jsonName in sensitive) continue;
    else if (field.fieldKind === 'scalar' && typeof inner === 'string' && field.scalar === 9) message[field.jsonName] = screened(inner, `${prefix}${field.jsonName}`, redactions);
    else if (field.fieldKind === 'list' && field.listKind === 'scalar' && Array.isArray(inner))
      message[field.jsonName] = inner.map((element) => (typeof element === 'string' ? screened(element, `${prefix}${field.jsonName}`, redactions) : element));
  }
}

/** Free text from the sender: kept when it names nothing, else the redaction marker. */
function screened(text: string, field: string, redactions: Redaction[]): string {
  if (PRODUCT_VOCABULARY.has(text)) return text;
  const result = screenFreeText(text);
  if (result.kept) return result.text;
  // The metric label is the field's path without batch indexes, so it stays a small set.
  redactions.push({ family: 'teleport', field: field.replace(/^events\[\d+\]\./, '').replace(/\[\d+\]/g, ''), rule: result.rule });
  return result.text;
}

interface CheckedEvent {
  family: Family;
  event: unknown;
  unknownNumber?: number;
}

function checkEvent(decoded: DecodedEvent, receivedAt: Date, caller: Caller, redactions: Redaction[], otherValues: string[]): CheckedEvent {
  const { request, path } = decoded;
  const member = memberOf(request);
  if (member !== undefined && !isProductMember(member.jsonName)) return { family: 'discover', event: checkDiscoverEvent(decoded, receivedAt, redactions, otherValues) };
  const unknown = member === undefined ? decoded.topLevelUnknown.find(isUnknownMember) : undefined;
  if (member === undefined && unknown === undefined) {
    const jsonKey = decoded.topLevelUnknown.find((field) => field.isObject === true);
    if (jsonKey !== undefined)
      throw new ConnectFailure(
        'unimplemented',
        `${path}event ${JSON.stringify(jsonKey.key)} is not a member this collector knows; send it in binary (application/proto) to have it kept as an unknown event`,
        'unimplemented-event',
      );
    throw invalid(`${path}event: expected one event member (a UIDiscover* event, or product usage from a tenant)`);
  }
  const what = member === undefined ? `${path}event field ${unknown!.number}` : `${path}${member.jsonName}`;
  if (caller.tenant === undefined) throw needsTenant(what);
  requireAnonymized(request, PRODUCT_REQUEST_SENSITIVE, path);
  settleTimestamp(request, receivedAt, path);
  // A version is a closed shape (dotted numbers, a small tag alphabet), not free text: anything else is `other`.
  const version = request['teleportVersion'];
  if (typeof version === 'string' && version !== '' && !isVersion(version)) {
    request['teleportVersion'] = OTHER;
    otherValues.push('teleportVersion');
  }
  if (member !== undefined) {
    checkProductMessage(member.message!, request[member.jsonName], `${path}${member.jsonName}.`, redactions);
    const stored: StoredTeleportEvent = { tenant: caller.tenant, request };
    return { family: 'teleport', event: stored };
  }
  const stored: StoredTeleportEvent = {
    tenant: caller.tenant,
    request,
    unknown: { number: unknown!.number!, bytes: Buffer.from(withoutLength(unknown!.data ?? new Uint8Array())).toString('base64') },
  };
  return { family: 'teleport', event: stored, unknownNumber: unknown!.number! };
}

function teleportEventService(path: string, requestType: string, batch?: { max: number }): IngestService {
  return {
    path,
    // The default family (and the metrics label of what the request as a whole tolerated): most
    // callers are Discover UIs; each product event names its own family in `families`.
    family: 'discover',
    ...(batch === undefined ? {} : { maxBodyBytes: BATCH_BODY_BYTES }),
    accept(encoding, body, receivedAt, caller): Accepted {
      const { events, unknownFields } = decodeEvents(messageSchema(requestType), encoding, body, batch);
      const redactions: Redaction[] = [];
      const otherValues: string[] = [];
      // A Discover run id repeats on every step by design: only a copy of the whole event, as sent
      // (two different errors both redacted are still two events), is a resend.
      const unique = dropRepeats(events, (decoded) => JSON.stringify(decoded.request));
      const checked = unique.events.map((decoded) => checkEvent(decoded, receivedAt, caller, redactions, otherValues));
      const unknownEvents = checked.flatMap((event) => (event.unknownNumber === undefined ? [] : [{ family: event.family, number: event.unknownNumber }]));
      return {
        events: checked.map((event) => event.event),
        families: checked.map((event) => event.family),
        // A member kept raw is not a skipped field.
        notes: { unknownFields: unknownFields - unknownEvents.length, redactions, unknownEvents, otherValues, repeats: unique.repeats },
      };
    },
  };
}

/** HelloTeleport stores nothing: the auth server only wants the call to succeed. */
const helloTeleportService: IngestService = {
  path: HELLO_TELEPORT_PATH,
  family: 'teleport',
  accept(encoding, body) {
    decodeEvents(messageSchema('prehog.v1alpha.HelloTeleportRequest'), encoding, body);
    return { events: [] };
  },
};

export const teleportEventServices: readonly IngestService[] = [
  teleportEventService(SUBMIT_EVENT_PATH, DISCOVER_REQUEST),
  teleportEventService(SUBMIT_EVENTS_PATH, DISCOVER_BATCH, { max: MAX_DISCOVER_BATCH }),
  helloTeleportService,
];
