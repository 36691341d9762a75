/**
 * Teleport Discover's wizard events through prehog.v1alpha.TeleportReportingService: SubmitEvent
 * (one event) and SubmitEvents (up to 500, accepted or refused as a whole). Only the UIDiscover*
 * members are implemented; a request carrying any other event of that oneof gets `unimplemented`.
 * The step's free-text error is screened: kept only when it names nothing, else replaced by
 * `redacted`; either way its class is stored so reports can group errors. Stored as `discover`.
 */
import type { JsonObject } from '@bufbuild/protobuf';
import { messageSchema } from '../../../protocol/descriptors.js';
import {
  DISCOVER_BATCH,
  DISCOVER_EVENT_SENSITIVE,
  DISCOVER_REQUEST,
  DISCOVER_REQUEST_SENSITIVE,
  discoverEventOf,
  isOtherEventField,
  MAX_DISCOVER_BATCH,
  SUBMIT_EVENT_PATH,
  SUBMIT_EVENTS_PATH,
  type StoredDiscoverStatus,
} from '../../../protocol/discover-wire.js';
import { classifyError, screenFreeText } from '../../../protocol/free-text.js';
import { closeVocabulary, DISCOVER_REQUEST_CLOSED_FIELDS } from '../../../protocol/vocabularies.js';
import { validateSubmitDiscoverEvent } from '../../../schemas/validators.js';
import { decodeEvents, dropRepeats, missingEvent, requireAnonymized, requireSchema, settleTimestamp, type DecodedEvent } from '../event-checks.js';
import type { IngestService, Redaction } from '../service.js';

const BATCH_BODY_BYTES = 1024 * 1024;

/** JSON has names, not numbers: any unknown object-valued key where the event belongs is one. */
const isOtherEvent = (field: { number?: number; wireType?: number; isObject?: boolean }): boolean =>
  field.isObject === true || (field.number !== undefined && field.wireType !== undefined && isOtherEventField(field.number, field.wireType));

function checkEvent(decoded: DecodedEvent, receivedAt: Date, redactions: Redaction[], otherValues: string[]): JsonObject {
  const { request, path } = decoded;
  const found = discoverEventOf(request);
  if (found === undefined) throw missingEvent(decoded, isOtherEvent, 'UIDiscover* event');
  otherValues.push(...closeVocabulary(request, DISCOVER_REQUEST_CLOSED_FIELDS));
  requireAnonymized(request, DISCOVER_REQUEST_SENSITIVE, path);
  requireAnonymized(found.event as unknown as Record<string, unknown>, DISCOVER_EVENT_SENSITIVE, `${path}${found.step.member}.`);
  settleTimestamp(request, receivedAt, path);
  requireSchema(validateSubmitDiscoverEvent, request, path);
  const status: StoredDiscoverStatus = found.event.status;
  const screened = screenFreeText(status.error);
  status.errorClass = classifyError(status.error);
  if (!screened.kept) {
    status.error = screened.text;
    redactions.push({ field: 'status.error', rule: screened.rule });
  }
  return request;
}

function discoverService(path: string, requestType: string, batch?: { max: number }): IngestService {
  return {
    path,
    family: 'discover',
    ...(batch === undefined ? {} : { maxBodyBytes: BATCH_BODY_BYTES }),
    accept(encoding, body, receivedAt) {
      const { events, unknownFields } = decodeEvents(messageSchema(requestType), encoding, body, batch);
      const redactions: Redaction[] = [];
      const otherValues: string[] = [];
      // A run id repeats on every step by design: only a copy of the whole event, as sent (two
      // different errors both redacted are still two events), is a resend.
      const unique = dropRepeats(events, (decoded) => JSON.stringify(decoded.request));
      return {
        events: unique.events.map((decoded) => checkEvent(decoded, receivedAt, redactions, otherValues)),
        notes: { unknownFields, redactions, otherValues, repeats: unique.repeats },
      };
    },
  };
}

export const discoverServices: readonly IngestService[] = [
  discoverService(SUBMIT_EVENT_PATH, DISCOVER_REQUEST),
  discoverService(SUBMIT_EVENTS_PATH, DISCOVER_BATCH, { max: MAX_DISCOVER_BATCH }),
];
