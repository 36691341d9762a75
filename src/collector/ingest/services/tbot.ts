/**
 * prehog.v1alpha.TbotReportingService/SubmitTbotEvent: one tbot.start per request. After
 * decoding, the event must pass the same JSON Schema the agent validates against before sending,
 * plus what a schema cannot say (a timestamp from the future). Rejections name the field.
 */
import { messageSchema } from '../../../protocol/descriptors.js';
import { SUBMIT_TBOT_EVENT_PATH, type SubmitTbotEventRequest } from '../../../protocol/tbot-wire.js';
import { validateSubmitTbotEvent } from '../../../schemas/validators.js';
import { ConnectFailure } from '../connect-protocol.js';
import { decodeRequest } from '../proto-codec.js';
import type { IngestService } from '../service.js';

/** Clocks drift, but not by a day. */
export const MAX_FUTURE_MS = 24 * 3_600_000;

export type Validation = { ok: true; event: SubmitTbotEventRequest } | { ok: false; reason: 'schema' | 'future-timestamp'; message: string };

export function validateIncomingEvent(candidate: unknown, now: Date): Validation {
  if (!validateSubmitTbotEvent(candidate)) {
    const error = validateSubmitTbotEvent.errors?.[0];
    const where = error === undefined ? '' : `${error.instancePath.replaceAll('/', '.').replace(/^\./, '') || '(request)'}: `;
    const extra = error?.keyword === 'additionalProperties' ? ` "${String(error.params['additionalProperty'])}"` : '';
    return { ok: false, reason: 'schema', message: `${where}${error?.message ?? 'invalid'}${extra}` };
  }
  const event = candidate as SubmitTbotEventRequest;
  if (Date.parse(event.timestamp) > now.getTime() + MAX_FUTURE_MS) {
    return { ok: false, reason: 'future-timestamp', message: 'timestamp: more than 24 h in the future' };
  }
  return { ok: true, event };
}

/** An empty helper string means "no helper": left out, as the agent does. */
function dropEmptyHelpers(json: unknown): unknown {
  const start = (json as { start?: Record<string, unknown> }).start;
  if (start !== undefined) {
    if (start['helper'] === '') delete start['helper'];
    if (start['helperVersion'] === '') delete start['helperVersion'];
  }
  return json;
}

export const tbotService: IngestService = {
  path: SUBMIT_TBOT_EVENT_PATH,
  family: 'tbot',
  accept(encoding, body, receivedAt) {
    const candidate = dropEmptyHelpers(decodeRequest(messageSchema('prehog.v1alpha.SubmitTbotEventRequest'), encoding, body, validateSubmitTbotEvent));
    const validation = validateIncomingEvent(candidate, receivedAt);
    if (!validation.ok) throw new ConnectFailure(400, 'invalid_argument', validation.message, validation.reason);
    return [validation.event];
  },
};
