/**
 * The tbot.start event in both vocabularies the system speaks, and the mapping between them:
 * the usage-metrics names (snake_case, what reports and PostHog use) and Teleport's prehog
 * TbotReportingService in ProtoJSON (what travels). The agent maps one way, the collector back.
 * Nothing here depends on the agent or the collector.
 */

export const SUBMIT_TBOT_EVENT_PATH = '/prehog.v1alpha.TbotReportingService/SubmitTbotEvent';
/** Our own batch procedure (schemas/tbotanalytics/v1/tbot_batch.proto): up to 500 of the above. */
export const SUBMIT_TBOT_EVENTS_PATH = '/tbotanalytics.v1.TbotBatchReportingService/SubmitTbotEvents';
export const MAX_TBOT_BATCH_EVENTS = 500;

export type RunMode = 'one-shot' | 'continuous';
/** What a received event may say: Go tbot can leave the enum at its zero value. */
export type ReceivedRunMode = RunMode | 'unspecified';

/** The usage-metrics event. The join type is free-form in the proto, so it is a string here. */
export interface TbotStartEvent {
  run_mode: RunMode;
  version: string;
  join_type: string;
  helper?: string;
  helper_version?: string;
  destinations_configured: number;
  destinations_configured_database_access: number;
  destinations_configured_kubernetes_access: number;
  destinations_configured_application_access: number;
}

export type WireRunMode = 'RUN_MODE_ONE_SHOT' | 'RUN_MODE_DAEMON';
export type ReceivedWireRunMode = WireRunMode | 'RUN_MODE_UNSPECIFIED';

export interface WireTbotStart {
  runMode: WireRunMode;
  version: string;
  joinType: string;
  helper?: string;
  helperVersion?: string;
  destinationsOther: number;
  destinationsDatabase: number;
  destinationsKubernetes: number;
  destinationsApplication: number;
}

/** Mirrors schemas/tbot-event.schema.json. */
export interface SubmitTbotEventRequest {
  distinctId: string;
  timestamp: string;
  start: WireTbotStart;
}

/** Mirrors schemas/tbot-event.received.schema.json: what the collector stores. */
export interface ReceivedTbotEvent {
  distinctId: string;
  timestamp: string;
  start: Omit<WireTbotStart, 'runMode'> & { runMode: ReceivedWireRunMode };
}

/** The usage-metrics event of a received start. */
export type ReceivedTbotStartEvent = Omit<TbotStartEvent, 'run_mode'> & { run_mode: ReceivedRunMode };

export const TO_WIRE_RUN_MODE: Record<RunMode, WireRunMode> = { 'one-shot': 'RUN_MODE_ONE_SHOT', continuous: 'RUN_MODE_DAEMON' };
export const FROM_WIRE_RUN_MODE: Record<ReceivedWireRunMode, ReceivedRunMode> = {
  RUN_MODE_UNSPECIFIED: 'unspecified',
  RUN_MODE_ONE_SHOT: 'one-shot',
  RUN_MODE_DAEMON: 'continuous',
};

/** The usage-metrics run mode of a stored wire value; anything unrecognised reads as unspecified. */
export const runModeFromWire = (runMode: string): ReceivedRunMode =>
  Object.hasOwn(FROM_WIRE_RUN_MODE, runMode) ? FROM_WIRE_RUN_MODE[runMode as ReceivedWireRunMode] : 'unspecified';

export function toWireStart(event: TbotStartEvent): WireTbotStart {
  const named = event.destinations_configured_database_access + event.destinations_configured_kubernetes_access + event.destinations_configured_application_access;
  return {
    runMode: TO_WIRE_RUN_MODE[event.run_mode],
    version: event.version,
    joinType: event.join_type,
    ...(event.helper === undefined ? {} : { helper: event.helper }),
    ...(event.helper_version === undefined ? {} : { helperVersion: event.helper_version }),
    destinationsOther: event.destinations_configured - named,
    destinationsDatabase: event.destinations_configured_database_access,
    destinationsKubernetes: event.destinations_configured_kubernetes_access,
    destinationsApplication: event.destinations_configured_application_access,
  };
}

/** A stored start (anything the collector accepted, so the run mode may be unspecified) in usage-metrics names. */
export function fromWireStart(start: ReceivedTbotEvent['start']): ReceivedTbotStartEvent {
  return {
    run_mode: runModeFromWire(start.runMode),
    version: start.version,
    join_type: start.joinType,
    ...(start.helper === undefined ? {} : { helper: start.helper }),
    ...(start.helperVersion === undefined ? {} : { helper_version: start.helperVersion }),
    destinations_configured: start.destinationsOther + start.destinationsDatabase + start.destinationsKubernetes + start.destinationsApplication,
    destinations_configured_database_access: start.destinationsDatabase,
    destinations_configured_kubernetes_access: start.destinationsKubernetes,
    destinations_configured_application_access: start.destinationsApplication,
  };
}

export const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isOptionalString = (value: unknown): boolean => value === undefined || typeof value === 'string';

/**
 * Whether a stored start event has the shape fromWireStart needs: a known run mode, string
 * version and join type, string helpers if present, and whole non-negative counts. Records are
 * validated when stored, so this only fails for lines damaged or written by something else;
 * readers (reports, the forwarder) skip those instead of folding `undefined` into totals.
 */
export function isWireTbotStart(value: unknown): value is WireTbotStart {
  if (typeof value !== 'object' || value === null) return false;
  const start = value as Record<string, unknown>;
  return (
    typeof start['runMode'] === 'string' &&
    Object.hasOwn(FROM_WIRE_RUN_MODE, start['runMode']) &&
    typeof start['version'] === 'string' &&
    typeof start['joinType'] === 'string' &&
    isOptionalString(start['helper']) &&
    isOptionalString(start['helperVersion']) &&
    isCount(start['destinationsOther']) &&
    isCount(start['destinationsDatabase']) &&
    isCount(start['destinationsKubernetes']) &&
    isCount(start['destinationsApplication'])
  );
}

/** A stored tbot event a reader can use: a well-formed start, a string id, and a string timestamp if any. */
export function isWireTbotEvent(value: unknown): value is Omit<SubmitTbotEventRequest, 'timestamp'> & { timestamp?: string } {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return typeof event['distinctId'] === 'string' && isOptionalString(event['timestamp']) && isWireTbotStart(event['start']);
}
