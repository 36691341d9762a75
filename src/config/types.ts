/**
 * Types of the config, hand-written to mirror schemas/config.schema.json (the contract). The raw
 * shape is what the validator accepts; BotConfig is the normalized shape the agent runs on.
 */

export const JOIN_METHODS = [
  'token', 'iam', 'ec2', 'gcp', 'azure', 'azure_devops', 'github', 'gitlab', 'circleci',
  'kubernetes', 'spacelift', 'tpm', 'terraform_cloud', 'bitbucket', 'oracle', 'bound_keypair',
] as const;
export type JoinMethod = (typeof JOIN_METHODS)[number];

export type RawDestination = { type: 'directory'; path: string } | { type: 'memory' };

export type RawOutput =
  | { type: 'identity'; destination: RawDestination }
  | { type: 'database'; destination: RawDestination; service: string; database?: string; username?: string }
  | { type: 'kubernetes'; destination: RawDestination; kubernetes_cluster: string }
  | { type: 'application'; destination: RawDestination; app_name: string }
  | { type: 'ssh_host'; destination: RawDestination; principals: string[] }
  | { type: 'spiffe-svid'; destination: RawDestination; svid: { path: string } };

export type OutputKind = RawOutput['type'];

export interface RawConfig {
  version: 'v2';
  proxy_server?: string;
  onboarding?: { join_method?: JoinMethod; token?: string };
  storage?: RawDestination;
  outputs?: RawOutput[];
  oneshot?: boolean;
  credential_ttl?: string;
  renewal_interval?: string;
  anonymous_analytics?: boolean;
}

/** Destinations with their directory resolved to an absolute path. */
export type Destination = { type: 'directory'; path: string } | { type: 'memory' };

export type OutputConfig = RawOutput & { destination: Destination };

export interface BotConfig {
  /** The file the config came from, if any (for messages only; never sent). */
  source?: string;
  proxyServer?: string;
  joinMethod: JoinMethod;
  token?: string;
  storage: Destination;
  outputs: readonly OutputConfig[];
  oneshot: boolean;
  credentialTtlMs: number;
  renewalIntervalMs: number;
  /** The YAML's anonymous_analytics, one input to consent; undefined when the file is silent. */
  anonymousAnalytics?: boolean;
}

export const DEFAULT_CREDENTIAL_TTL = '60m';
export const DEFAULT_RENEWAL_INTERVAL = '20m';
/** tbot's own ceiling on certificate lifetimes. */
export const MAX_CREDENTIAL_TTL_MS = 24 * 3_600_000;
/** How every duration error describes what is wanted (the schema's `duration` description says the same). */
export const DURATION_EXPECTED = 'a duration such as 20m or 1h30m';
/** A config is a few KiB; anything past this is a mistake (or an attack) and is not read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
