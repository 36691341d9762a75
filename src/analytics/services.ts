/**
 * The agent's two event types and the services that carry them, as the reporter knows them: the
 * ProtoJSON envelope, the JSON Schema every request must pass, and no batch method (the agent
 * sends one start per process and one heartbeat a day). Neither event has a field to anonymize:
 * every string in them is an enum, a version or a vetted helper name.
 */
import { defineEventType, defineService, schemaCheck, type RequestMeta } from '../reporting/index.js';
import { SUBMIT_HEARTBEAT_PATH, toWireHeartbeat, type TbotHeartbeatEvent } from '../protocol/heartbeat-wire.js';
import { SUBMIT_TBOT_EVENT_PATH, toWireStart, type TbotStartEvent } from '../protocol/tbot-wire.js';
import { validateSubmitHeartbeat, validateSubmitTbotEvent } from '../schemas/validators.js';

export const TbotStart = defineEventType<TbotStartEvent>({
  name: 'tbot.start',
  fields: { run_mode: 'plain', version: 'plain', join_type: 'plain', helper: 'plain', helper_version: 'plain' },
  toWire: (event) => ({ start: toWireStart(event) }),
});

export const TbotHeartbeat = defineEventType<TbotHeartbeatEvent>({
  name: 'tbot.heartbeat',
  fields: { run_mode: 'plain', version: 'plain', join_type: 'plain', uptime_bucket: 'plain' },
  toWire: (event) => ({ heartbeat: toWireHeartbeat(event) }),
});

/** Both requests are `{ distinctId, timestamp, <event> }`: this key order is the byte order on the wire. */
const envelope = ({ distinctId, timestamp }: RequestMeta, wire: unknown) => ({ distinctId, timestamp, ...(wire as object) });

/** Teleport's prehog.v1alpha.TbotReportingService. */
export const TBOT_REPORTING_SERVICE = defineService({
  name: 'prehog.v1alpha.TbotReportingService',
  events: [TbotStart],
  single: {
    path: SUBMIT_TBOT_EVENT_PATH,
    request: envelope,
    check: schemaCheck(validateSubmitTbotEvent),
  },
});

/** Our tbotanalytics.v1.AgentReportingService (schemas/tbotanalytics/v1/agent.proto). */
export const AGENT_REPORTING_SERVICE = defineService({
  name: 'tbotanalytics.v1.AgentReportingService',
  events: [TbotHeartbeat],
  single: {
    path: SUBMIT_HEARTBEAT_PATH,
    request: envelope,
    check: schemaCheck(validateSubmitHeartbeat),
  },
});
