/**
 * After decoding: the same JSON Schema the agent validates against before sending, plus what a
 * schema cannot say (a timestamp from the future). Rejections name the field.
 */
import type { SubmitTbotEventRequest } from '../analytics/wire.js';
import { validateSubmitTbotEvent } from '../schemas/validators.js';

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
