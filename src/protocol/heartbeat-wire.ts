/**
 * The tbot.heartbeat event in the usage-metrics vocabulary (what reports and PostHog use) and in
 * ProtoJSON of our tbotanalytics.v1.AgentReportingService (what travels), and the mapping between
 * them. Shared by the agent and the collector; depends on nothing above it.
 */
import { FROM_WIRE_RUN_MODE, isCount, runModeFromWire, TO_WIRE_RUN_MODE, type ReceivedRunMode, type RunMode, type WireRunMode } from './tbot-wire.js';

export const SUBMIT_HEARTBEAT_PATH = '/tbotanalytics.v1.AgentReportingService/SubmitHeartbeat';

export const UPTIME_BUCKETS = ['1d', '2-7d', '8-30d', '>30d'] as const;
export type UptimeBucket = (typeof UPTIME_BUCKETS)[number];

export type WireUptimeBucket = 'UPTIME_BUCKET_1D' | 'UPTIME_BUCKET_2_7D' | 'UPTIME_BUCKET_8_30D' | 'UPTIME_BUCKET_OVER_30D';

const TO_WIRE_UPTIME: Record<UptimeBucket, WireUptimeBucket> = {
  '1d': 'UPTIME_BUCKET_1D',
  '2-7d': 'UPTIME_BUCKET_2_7D',
  '8-30d': 'UPTIME_BUCKET_8_30D',
  '>30d': 'UPTIME_BUCKET_OVER_30D',
};
const FROM_WIRE_UPTIME: Record<WireUptimeBucket, UptimeBucket> = {
  UPTIME_BUCKET_1D: '1d',
  UPTIME_BUCKET_2_7D: '2-7d',
  UPTIME_BUCKET_8_30D: '8-30d',
  UPTIME_BUCKET_OVER_30D: '>30d',
};

/** The usage-metrics event: counts for the ~24 h before the heartbeat. */
export interface TbotHeartbeatEvent {
  run_mode: RunMode;
  version: string;
  join_type: string;
  renewals_24h: number;
  renewal_failures_24h: number;
  outputs_identity: number;
  outputs_database: number;
  outputs_kubernetes: number;
  outputs_application: number;
  outputs_ssh_host: number;
  outputs_spiffe_svid: number;
  uptime_bucket: UptimeBucket;
}

/** A stored heartbeat in usage-metrics names (read like a stored start: an unknown run mode is unspecified). */
export type ReceivedHeartbeatEvent = Omit<TbotHeartbeatEvent, 'run_mode'> & { run_mode: ReceivedRunMode };

export interface WireHeartbeat {
  runMode: WireRunMode;
  version: string;
  joinType: string;
  renewals: number;
  renewalFailures: number;
  outputsIdentity: number;
  outputsDatabase: number;
  outputsKubernetes: number;
  outputsApplication: number;
  outputsSshHost: number;
  outputsSpiffeSvid: number;
  uptimeBucket: WireUptimeBucket;
}

/** Mirrors schemas/tbot-heartbeat.schema.json. */
export interface SubmitHeartbeatRequest {
  distinctId: string;
  timestamp: string;
  heartbeat: WireHeartbeat;
}

export function toWireHeartbeat(event: TbotHeartbeatEvent): WireHeartbeat {
  return {
    runMode: TO_WIRE_RUN_MODE[event.run_mode],
    version: event.version,
    joinType: event.join_type,
    renewals: event.renewals_24h,
    renewalFailures: event.renewal_failures_24h,
    outputsIdentity: event.outputs_identity,
    outputsDatabase: event.outputs_database,
    outputsKubernetes: event.outputs_kubernetes,
    outputsApplication: event.outputs_application,
    outputsSshHost: event.outputs_ssh_host,
    outputsSpiffeSvid: event.outputs_spiffe_svid,
    uptimeBucket: TO_WIRE_UPTIME[event.uptime_bucket],
  };
}

export function fromWireHeartbeat(heartbeat: WireHeartbeat): ReceivedHeartbeatEvent {
  return {
    run_mode: runModeFromWire(heartbeat.runMode),
    version: heartbeat.version,
    join_type: heartbeat.joinType,
    renewals_24h: heartbeat.renewals,
    renewal_failures_24h: heartbeat.renewalFailures,
    outputs_identity: heartbeat.outputsIdentity,
    outputs_database: heartbeat.outputsDatabase,
    outputs_kubernetes: heartbeat.outputsKubernetes,
    outputs_application: heartbeat.outputsApplication,
    outputs_ssh_host: heartbeat.outputsSshHost,
    outputs_spiffe_svid: heartbeat.outputsSpiffeSvid,
    uptime_bucket: FROM_WIRE_UPTIME[heartbeat.uptimeBucket],
  };
}

const COUNTS = ['renewals', 'renewalFailures', 'outputsIdentity', 'outputsDatabase', 'outputsKubernetes', 'outputsApplication', 'outputsSshHost', 'outputsSpiffeSvid'] as const;

/**
 * Whether a stored heartbeat has the shape fromWireHeartbeat needs. Records are validated when
 * stored, so this fails only for damaged lines; readers skip those instead of folding `undefined`.
 */
export function isWireHeartbeatEvent(value: unknown): value is SubmitHeartbeatRequest {
  if (typeof value !== 'object' || value === null) return false;
  const { distinctId, timestamp, heartbeat } = value as Record<string, unknown>;
  if (typeof distinctId !== 'string' || typeof timestamp !== 'string' || typeof heartbeat !== 'object' || heartbeat === null) return false;
  const fields = heartbeat as Record<string, unknown>;
  return (
    typeof fields['runMode'] === 'string' &&
    Object.hasOwn(FROM_WIRE_RUN_MODE, fields['runMode']) &&
    typeof fields['version'] === 'string' &&
    typeof fields['joinType'] === 'string' &&
    typeof fields['uptimeBucket'] === 'string' &&
    Object.hasOwn(FROM_WIRE_UPTIME, fields['uptimeBucket']) &&
    COUNTS.every((name) => isCount(fields[name]))
  );
}
