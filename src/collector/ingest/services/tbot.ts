/**
 * prehog.v1alpha.TbotReportingService/SubmitTbotEvent: one tbot.start per request, in either
 * Connect encoding (tbot-event.ts decides what is accepted and how it is stored).
 */
import { SUBMIT_TBOT_EVENT_PATH } from '../../../protocol/tbot-wire.js';
import type { Encoding } from '../connect-protocol.js';
import { decodeBinaryMessage, parseJsonBody } from '../proto-codec.js';
import type { IngestService } from '../service.js';
import { acceptTbotJson, acceptTbotMessage, submitTbotEventSchema, type AcceptedTbotEvent, type DecodeOptions } from './tbot-event.js';

export function acceptTbotRequest(encoding: Encoding, body: Buffer, receivedAt: Date, options: DecodeOptions = {}): AcceptedTbotEvent {
  return encoding === 'json'
    ? acceptTbotJson(parseJsonBody(body), receivedAt, options)
    : acceptTbotMessage(decodeBinaryMessage(submitTbotEventSchema(), body), receivedAt, options);
}

export const tbotService: IngestService = {
  path: SUBMIT_TBOT_EVENT_PATH,
  family: 'tbot',
  maxBodyBytes: 64 * 1024,
  accept(encoding, body, receivedAt) {
    const { event, notes } = acceptTbotRequest(encoding, body, receivedAt);
    return { events: [event], notes };
  },
};
