/**
 * Types of the config. The raw shape mirrors schemas/config.schema.json (the contract for YAML);
 * the normalized shape below is what the agent runs on, shared with the outputs and the agent.
 */

import type { ConfigIssue } from '../errors.js';

/** tbot's join methods (lib/tbot onboarding.SupportedJoinMethods, newest). `ec2` is NOT one. */
export const JOIN_METHODS = [
  'azure',
  'azure_devops',
  'bitbucket',
  'circleci',
  'gcp',
  'github',
  'gitlab',
  'iam',
  'kubernetes',
  'spacelift',
  'token',
  'tpm',
  'terraform_cloud',
  'oracle',
  'bound_keypair',
  'env0',
  'generic_oidc',
] as const;
export type JoinMethod = (typeof JOIN_METHODS)[number];

export type SymlinksMode = 'secure' | 'try-secure' | 'insecure';
export type AclsMode = 'off' | 'try' | 'required';
/** A directory reader: a user or group name, or a numeric id written as digits. */
export type Reader = { user: string } | { group: string };

/** Destinations with their directory resolved to an absolute path. */
export type Destination = { type: 'directory'; path: string; symlinks: SymlinksMode; acls: AclsMode; readers: readonly Reader[] } | { type: 'memory' };

export interface Lifetime {
  credentialTtlMs: number;
  renewalIntervalMs: number;
}

interface OutputBase {
  /** tbot's optional `name`; otherwise a generated label such as `identity (directory /abs/path)`. Unique. Used in logs, /readyz/<name>, metrics labels and tbot-status.json. Never sent in analytics. */
  name: string;
  destination: Destination;
  /** Roles requested (empty = every role of the bot). Recorded as X.509 subject O values and the SSH extension teleport-roles. */
  roles: readonly string[];
  /** Effective lifetime: the output's own credential_ttl + renewal_interval pair, else the top-level pair. */
  lifetime: Lifetime;
}

export type IdentityOutput = OutputBase & { type: 'identity'; cluster?: string; sshConfig: 'on' | 'off'; allowReissue: boolean };
export type DatabaseOutput = OutputBase & { type: 'database'; service: string; database?: string; username?: string; format: 'default' | 'tls' | 'mongo' | 'cockroach' };
export type KubernetesOutput = OutputBase & { type: 'kubernetes'; kubernetesCluster: string; disableExecPlugin: boolean };
/** Label selectors are rejected at load (nothing to match without a cluster); only names reach here. */
export type KubernetesV2Output = OutputBase & { type: 'kubernetes/v2'; selectors: readonly { name: string; defaultNamespace?: string }[]; disableExecPlugin: boolean };
export type ApplicationOutput = OutputBase & { type: 'application'; appName: string; specificTlsNaming: boolean };
export type SshHostOutput = OutputBase & { type: 'ssh_host'; principals: readonly string[] };
export type SpiffeSvidOutput = OutputBase & {
  type: 'spiffe-svid';
  svid: { path: string; hint?: string; dnsSans: readonly string[]; ipSans: readonly string[] };
  jwts: readonly { audience: string; fileName: string }[];
  includeFederatedTrustBundles: boolean;
};
/** Label selectors are rejected at load; a name selector names the workload identity. */
export type WorkloadIdentityX509Output = OutputBase & { type: 'workload-identity-x509'; selector: { name: string }; includeFederatedTrustBundles: boolean };
export type WorkloadIdentityJwtOutput = OutputBase & { type: 'workload-identity-jwt'; selector: { name: string }; audiences: readonly string[] };

export type OutputConfig =
  | IdentityOutput
  | DatabaseOutput
  | KubernetesOutput
  | KubernetesV2Output
  | ApplicationOutput
  | SshHostOutput
  | SpiffeSvidOutput
  | WorkloadIdentityX509Output
  | WorkloadIdentityJwtOutput;
export type OutputKind = OutputConfig['type'];

export interface BotConfig {
  /** The file the config came from, if any (for messages only; never sent). */
  source?: string;
  /** Addresses as configured (never contacted). When both are set, tbot uses proxy_server. */
  proxyServer?: string;
  authServer?: string;
  joinMethod: JoinMethod;
  token?: string;
  storage: Destination;
  outputs: readonly OutputConfig[];
  oneshot: boolean;
  /** `debug: true`, `-d`, or TBOT_DEBUG. */
  debug: boolean;
  /** Top-level lifetime (defaults 60m / 20m); outputs without their own pair use it. */
  credentialTtlMs: number;
  renewalIntervalMs: number;
  /** The diagnostics listener, bound to exactly this address. */
  diagAddr?: { host: string; port: number };
  /** The YAML's anonymous_analytics, one input to consent; undefined when the file is silent. */
  anonymousAnalytics?: boolean;
  /** Non-fatal findings of loading (deprecated aliases, flags overriding the file, …), logged once by `start`. */
  warnings: readonly string[];
  /** What tbot's config accepts but this agent cannot do when it runs (acls: required): `start` refuses it before writing anything. */
  runIssues: readonly ConfigIssue[];
}

// ---- The raw YAML shape, after schema validation (config side only; nothing else may use it). ----

export type RawReader = { user: string | number } | { group: string | number };

export type RawDestination =
  | { type: 'directory'; path: string; symlinks?: SymlinksMode; acls?: AclsMode; readers?: RawReader[] }
  | { type: 'memory' }
  | { type: 'kubernetes_secret'; name?: string; namespace?: string | null; labels?: Record<string, string> };

interface RawLifetime {
  credential_ttl?: string;
  /** The short-lived per-output name of credential_ttl in some tbot releases. */
  certificate_ttl?: string;
  renewal_interval?: string;
}

export type RawSelector = { name?: string; labels?: Record<string, unknown>; default_namespace?: string };

/** One entry of `outputs:` or `services:`; fields by type, as the schema allows them. */
export interface RawEntry extends RawLifetime {
  type: string;
  name?: string;
  destination?: RawDestination;
  roles?: string[];
  cluster?: string;
  ssh_config?: 'on' | 'off';
  allow_reissue?: boolean;
  service?: string;
  database?: string;
  username?: string;
  format?: '' | 'tls' | 'mongo' | 'cockroach';
  kubernetes_cluster?: string;
  disable_exec_plugin?: boolean;
  selectors?: RawSelector[];
  selector?: RawSelector;
  /** The older name of a workload-identity-x509 output's `selector`. */
  workload_identity?: RawSelector;
  app_name?: string;
  specific_tls_naming?: boolean;
  principals?: string[];
  ca_type?: 'user' | 'openssh';
  svid?: { path: string; hint?: string; sans?: { dns?: string[]; ip?: string[] } };
  jwts?: { audience: string; file_name: string }[];
  include_federated_trust_bundles?: boolean;
  audiences?: string[];
  message?: string;
}

export interface RawOnboarding {
  join_method?: string;
  token?: string;
  ca_pins?: string[];
  ca_path?: string;
  [block: string]: unknown;
}

export interface RawConfig {
  version: 'v2';
  onboarding?: RawOnboarding;
  storage?: RawDestination;
  outputs?: RawEntry[];
  services?: RawEntry[];
  debug?: boolean;
  auth_server?: string;
  proxy_server?: string;
  join_uri?: string;
  credential_ttl?: string;
  certificate_ttl?: string;
  renewal_interval?: string;
  leeway?: string;
  oneshot?: boolean;
  fips?: boolean;
  diag_addr?: string;
  insecure?: boolean;
  anonymous_analytics?: boolean;
}

export const DEFAULT_CREDENTIAL_TTL = '60m';
export const DEFAULT_RENEWAL_INTERVAL = '20m';
/** tbot's own ceiling on certificate lifetimes (lib/defaults MaxRenewableCertTTL). */
export const MAX_CREDENTIAL_TTL_MS = 24 * 3_600_000;
/** How every duration error describes what is wanted (the schema's `duration` description says the same). */
export const DURATION_EXPECTED = 'a duration such as 20m or 1h30m';
/** A config is a few KiB; anything past this is a mistake (or an attack) and is not read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
