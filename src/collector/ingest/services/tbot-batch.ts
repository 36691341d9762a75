/**
 * tbotanalytics.v1.TbotBatchReportingService/SubmitTbotEvents: up to 500 tbot events in one call,
 * each decoded and checked exactly as a single SubmitTbotEvent would be, and accepted or refused
 * together (one bad event refuses the call, naming it as events[i]).
 */
import type { JsonValue, Message } from '@bufbuild/protobuf';
import { messageSchema } from '../../../protocol/descriptors.js';
import { MAX_TBOT_BATCH_EVENTS, SUBMIT_TBOT_EVENTS_PATH } from '../../../protocol/tbot-wire.js';
import type { Encoding } from '../connect-protocol.js';
import { dropRepeats, requireBatchSize } from '../event-checks.js';
import { decodeBinaryMessage, decodeFailure, isJsonObject, parseJsonBody } from '../proto-codec.js';
import type { Accepted, IngestService } from '../service.js';
import { acceptTbotJson, acceptTbotMessage, type AcceptedTbotEvent, type DecodeOptions } from './tbot-event.js';

/** 500 of the largest events the received schema allows, with room to spare. */
export const MAX_BATCH_BODY_BYTES = 512 * 1024;

/** The batch's own fields (just `events`), with any unknown ones counted as skipped. */
function jsonElements(value: JsonValue): { elements: JsonValue[]; unknownFields: number } {
  if (!isJsonObject(value)) throw decodeFailure('expected a JSON object with an "events" array');
  const unknownFields = Object.keys(value).filter((key) => key !== 'events').length;
  const events = value['events'];
  // ProtoJSON: null, like an absent field, is the empty list.
  if (events === undefined || events === null) return { elements: [], unknownFields };
  if (!Array.isArray(events)) throw decodeFailure('events: expected an array');
  return { elements: events, unknownFields };
}

export function acceptTbotBatch(encoding: Encoding, body: Buffer, receivedAt: Date, options: DecodeOptions = {}): Accepted {
  let accepted: AcceptedTbotEvent[];
  let unknownFields: number;
  if (encoding === 'json') {
    const batch = jsonElements(parseJsonBody(body));
    requireBatchSize(batch.elements.length, MAX_TBOT_BATCH_EVENTS);
    accepted = batch.elements.map((element, index) => acceptTbotJson(element, receivedAt, { ...options, at: `events[${index}].` }));
    unknownFields = batch.unknownFields;
  } else {
    const batch = decodeBinaryMessage<Message & { events: Parameters<typeof acceptTbotMessage>[0][] }>(messageSchema('tbotanalytics.v1.SubmitTbotEventsRequest'), body);
    requireBatchSize(batch.events.length, MAX_TBOT_BATCH_EVENTS);
    accepted = batch.events.map((element, index) => acceptTbotMessage(element, receivedAt, { ...options, at: `events[${index}].` }));
    unknownFields = batch.$unknown?.length ?? 0;
  }
  // A start's distinct id is random and its own: a second event with it is the same start sent twice.
  const { events, repeats } = dropRepeats(
    accepted.map(({ event }) => event),
    (event) => event.distinctId,
  );
  return {
    events,
    notes: {
      unknownFields: accepted.reduce((sum, { notes }) => sum + notes.unknownFields, unknownFields),
      privacyDroppedFields: accepted.reduce((sum, { notes }) => sum + notes.privacyDroppedFields, 0),
      repeats,
    },
  };
}

export const tbotBatchService: IngestService = {
  path: SUBMIT_TBOT_EVENTS_PATH,
  family: 'tbot',
  maxBodyBytes: MAX_BATCH_BODY_BYTES,
  accept: (encoding, body, receivedAt) => acceptTbotBatch(encoding, body, receivedAt),
};
