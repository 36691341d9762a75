/**
 * Teleport Connect's usage events: Teleport's prehog.v1alpha.ConnectReportingService
 * (SubmitConnectEvent, one event per call) and our tbotanalytics.connect.v1
 * ConnectExtraReportingService for the design's events Teleport's contract lacks (one event, or a
 * batch of up to 500 accepted or refused as a whole). All are stored as family `connect`.
 */
import type { JsonObject } from '@bufbuild/protobuf';
import {
  CONNECT_EXTRA_BATCH,
  CONNECT_EXTRA_REQUEST,
  CONNECT_REQUEST,
  connectEventOf,
  MAX_CONNECT_EXTRA_BATCH,
  SUBMIT_CONNECT_EVENT_PATH,
  SUBMIT_CONNECT_EXTRA_EVENT_PATH,
  SUBMIT_CONNECT_EXTRA_EVENTS_PATH,
} from '../../../protocol/connect-wire.js';
import { messageSchema } from '../../../protocol/descriptors.js';
import { CONNECT_CLOSED_FIELDS, closeVocabulary } from '../../../protocol/vocabularies.js';
import { validateSubmitConnectEvent, validateSubmitConnectExtraEvent, type Validator } from '../../../schemas/validators.js';
import { decodeEvents, dropRepeats, missingEvent, requireAnonymized, requireSchema, settleTimestamp, type DecodedEvent } from '../event-checks.js';
import type { IngestService } from '../service.js';

/** A batch of 500 events of a few hundred bytes each, with room to spare. */
const BATCH_BODY_BYTES = 1024 * 1024;

/** An unknown message-shaped field where the event belongs: a Connect event newer than our contract. */
const isOtherEvent = (field: { number?: number; wireType?: number; isObject?: boolean }): boolean => field.isObject === true || (field.wireType === 2 && (field.number ?? 0) >= 3);

function checkEvent(decoded: DecodedEvent, receivedAt: Date, validator: Validator, otherValues: string[]): JsonObject {
  const { request, path } = decoded;
  const found = connectEventOf(request);
  if (found === undefined) throw missingEvent(decoded, isOtherEvent, 'Connect event');
  // Before the schema, which allows only listed values: an unlisted one is kept as `other`, not refused.
  const { member } = found.spec;
  otherValues.push(...closeVocabulary(found.event, CONNECT_CLOSED_FIELDS.get(member), `${member}.`));
  requireAnonymized(found.event, found.spec.sensitive, `${path}${found.spec.member}.`);
  settleTimestamp(request, receivedAt, path);
  requireSchema(validator, request, path);
  return request;
}

function connectService(path: string, requestType: string, validator: Validator, batch?: { max: number }): IngestService {
  return {
    path,
    family: 'connect',
    ...(batch === undefined ? {} : { maxBodyBytes: BATCH_BODY_BYTES }),
    accept(encoding, body, receivedAt) {
      const { events, unknownFields } = decodeEvents(messageSchema(requestType), encoding, body, batch);
      const otherValues: string[] = [];
      // The installation id repeats on every event by design: only a copy of the whole event, as
      // sent (before values are replaced by "other"), is a resend.
      const unique = dropRepeats(events, (decoded) => JSON.stringify(decoded.request));
      return { events: unique.events.map((decoded) => checkEvent(decoded, receivedAt, validator, otherValues)), notes: { unknownFields, otherValues, repeats: unique.repeats } };
    },
  };
}

export const connectServices: readonly IngestService[] = [
  connectService(SUBMIT_CONNECT_EVENT_PATH, CONNECT_REQUEST, validateSubmitConnectEvent),
  connectService(SUBMIT_CONNECT_EXTRA_EVENT_PATH, CONNECT_EXTRA_REQUEST, validateSubmitConnectExtraEvent),
  connectService(SUBMIT_CONNECT_EXTRA_EVENTS_PATH, CONNECT_EXTRA_BATCH, validateSubmitConnectExtraEvent, { max: MAX_CONNECT_EXTRA_BATCH }),
];
