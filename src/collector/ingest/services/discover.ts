/**
 * The checks of Teleport Discover's wizard events (the UIDiscover* members of
 * prehog.v1alpha.TeleportReportingService's SubmitEventRequest); teleport-events.ts serves the
 * procedures and hands each Discover member here. The step's free-text error is screened: kept
 * only when it names nothing, else replaced by `redacted`; either way its class is stored so
 * reports can group errors. Stored as `discover`.
 */
import type { JsonObject } from '@bufbuild/protobuf';
import { DISCOVER_EVENT_SENSITIVE, DISCOVER_REQUEST_SENSITIVE, discoverEventOf, isOtherEventField, type StoredDiscoverStatus } from '../../../protocol/discover-wire.js';
import { classifyError, screenFreeText } from '../../../protocol/free-text.js';
import { closeVocabulary, DISCOVER_REQUEST_CLOSED_FIELDS } from '../../../protocol/vocabularies.js';
import { validateSubmitDiscoverEvent } from '../../../schemas/validators.js';
import { missingEvent, requireAnonymized, requireSchema, settleTimestamp, type DecodedEvent } from '../event-checks.js';
import type { Redaction } from '../service.js';

/** JSON has names, not numbers: any unknown object-valued key where the event belongs is one. */
const isOtherEvent = (field: { number?: number; wireType?: number; isObject?: boolean }): boolean =>
  field.isObject === true || (field.number !== undefined && field.wireType !== undefined && isOtherEventField(field.number, field.wireType));

export function checkDiscoverEvent(decoded: DecodedEvent, receivedAt: Date, redactions: Redaction[], otherValues: string[]): JsonObject {
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
