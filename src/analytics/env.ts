/** Environment variable names the analytics reads. Nothing else in the environment is consulted. */
export type { Env } from '../reporting/do-not-track.js';

export const ENV = {
  doNotTrack: 'DO_NOT_TRACK',
  optIn: 'TELEPORT_ANONYMOUS_TELEMETRY',
  endpoint: 'TBOT_ANALYTICS_ENDPOINT',
  endpointTeleport: 'TELEPORT_ANONYMOUS_TELEMETRY_ADDRESS',
  helper: '_TBOT_TELEMETRY_HELPER',
  helperVersion: '_TBOT_TELEMETRY_HELPER_VERSION',
} as const;
