/**
 * tbotanalytics.v1.AgentReportingService/SubmitHeartbeat: one daily heartbeat per request. After
 * decoding, it must pass the same JSON Schema the agent checks before sending, and its timestamp
 * must not be from the future. Rejections name the field.
 */
import { SUBMIT_HEARTBEAT_PATH } from '../../../protocol/heartbeat-wire.js';
import { messageSchema } from '../../../protocol/descriptors.js';
import { schemaCheck } from '../../../reporting/service.js';
import { validateSubmitHeartbeat } from '../../../schemas/validators.js';
import { ConnectFailure } from '../connect-protocol.js';
import { decodeRequest } from '../proto-codec.js';
import type { IngestService } from '../service.js';
import { MAX_FUTURE_MS } from './tbot.js';

const check = schemaCheck(validateSubmitHeartbeat);

export const heartbeatService: IngestService = {
  path: SUBMIT_HEARTBEAT_PATH,
  family: 'tbot.heartbeat',
  accept(encoding, body, receivedAt) {
    const candidate = decodeRequest(messageSchema('tbotanalytics.v1.SubmitHeartbeatRequest'), encoding, body, validateSubmitHeartbeat);
    const problem = check(candidate);
    if (problem !== undefined) throw new ConnectFailure(400, 'invalid_argument', problem, 'schema');
    if (Date.parse((candidate as { timestamp: string }).timestamp) > receivedAt.getTime() + MAX_FUTURE_MS) {
      throw new ConnectFailure(400, 'invalid_argument', 'timestamp: more than 24 h in the future', 'future-timestamp');
    }
    return [candidate];
  },
};
