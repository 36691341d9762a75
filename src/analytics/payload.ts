/** Wraps an event for the wire and refuses anything the schema would not accept. */
import type { ErrorObject } from 'ajv';
import { validateSubmitTbotEvent } from '../schemas/validators.js';
import { toWireStart, type SubmitTbotEventRequest, type TbotStartEvent } from '../protocol/tbot-wire.js';

export interface PayloadDeps {
  randomUUID: () => string;
  now: () => Date;
}

export class PayloadRejectedError extends Error {
  override name = 'PayloadRejectedError';
  constructor(readonly errors: readonly ErrorObject[]) {
    super(`analytics payload failed schema validation: ${errors.map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`).join('; ')}`);
  }
}

export function buildSubmitRequest(event: TbotStartEvent, deps: PayloadDeps): SubmitTbotEventRequest {
  const request: SubmitTbotEventRequest = { distinctId: deps.randomUUID(), timestamp: deps.now().toISOString(), start: toWireStart(event) };
  if (!validateSubmitTbotEvent(request)) throw new PayloadRejectedError(validateSubmitTbotEvent.errors ?? []);
  return request;
}
