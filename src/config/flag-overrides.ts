/**
 * Command-line flags (and the env vars that stand in for them) layered over the file, by tbot's
 * rules. Pure: returns a new raw config, which flag set what, and the warnings tbot would log.
 */
import { ConfigError, type IssueOrigin } from '../errors.js';
import { destinationFromUri, URI_EXPECTED } from './destination-uri.js';
import { formatFieldPath } from './schema-issues.js';
import type { FieldPath } from './yaml-document.js';

/** The config-changing values of a command line, by meaning rather than by spelling. */
export interface ConfigFlags {
  oneshot?: boolean;
  debug?: boolean;
  fips?: boolean;
  insecure?: boolean;
  joinMethod?: string;
  token?: string;
  caPins?: readonly string[];
  proxyServer?: string;
  authServer?: string;
  diagAddr?: string;
  /** A destination URI for the bot's storage (`--storage`). */
  storage?: string;
  /** The same, under the legacy name (`--data-dir`). */
  dataDir?: string;
  /** Replaces every configured output with one identity output in this directory. */
  destinationDir?: string;
  certificateTtl?: string;
  renewalInterval?: string;
  /** A join URI (`--join-uri`): merged into the address and onboarding when the config loads (join-uri.ts). */
  joinUri?: string;
  /** `--registration-secret`: onboarding.bound_keypair.registration_secret. */
  registrationSecret?: string;
  /** `--registration-secret-path`: onboarding.bound_keypair.registration_secret_path. */
  registrationSecretPath?: string;
  /** `--static-key-path`: onboarding.bound_keypair.static_private_key_path. */
  staticKeyPath?: string;
  /** Outputs or services built from a `start <kind>` command line; appended to `services`. */
  entries?: readonly FlagEntry[];
  /** How to name a flag in messages when it is not its own `--flag` (e.g. it came from an env var). */
  labels?: Partial<Record<ScalarFlag, string>>;
}

export type ScalarFlag = Exclude<keyof ConfigFlags, 'entries' | 'labels'>;

export interface FlagEntry {
  /** The entry as YAML would hold it, e.g. {type: database, service: pg, destination: {...}}. */
  raw: Record<string, unknown>;
  /** Field path inside the entry (formatted, e.g. `svid.sans.ip`) → the flag that set it; `''` names the command itself. */
  labels: Readonly<Record<string, string>>;
}

export const FLAG_NAMES: Readonly<Record<ScalarFlag, string>> = {
  oneshot: '--oneshot',
  debug: '--debug',
  fips: '--fips',
  insecure: '--insecure',
  joinMethod: '--join-method',
  token: '--token',
  caPins: '--ca-pin',
  proxyServer: '--proxy-server',
  authServer: '--auth-server',
  diagAddr: '--diag-addr',
  storage: '--storage',
  dataDir: '--data-dir',
  destinationDir: '--destination-dir',
  certificateTtl: '--certificate-ttl',
  renewalInterval: '--renewal-interval',
  joinUri: '--join-uri',
  registrationSecret: '--registration-secret',
  registrationSecretPath: '--registration-secret-path',
  staticKeyPath: '--static-key-path',
};

export interface Overridden {
  raw: Record<string, unknown>;
  /** Field path (formatted) → the flag (or command) that set it. */
  setByFlag: ReadonlyMap<string, IssueOrigin>;
  warnings: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function applyFlagOverrides(fileData: unknown, flags: ConfigFlags): Overridden {
  // A non-mapping document is left alone so that the schema reports it against the file.
  if (!isRecord(fileData)) return { raw: fileData as Record<string, unknown>, setByFlag: new Map(), warnings: [] };
  const raw: Record<string, unknown> = structuredClone(fileData);
  const setByFlag = new Map<string, IssueOrigin>();
  const warnings: string[] = [];
  const label = (flag: ScalarFlag): string => flags.labels?.[flag] ?? FLAG_NAMES[flag];
  const mark = (path: FieldPath, flagLabel: string): void => void setByFlag.set(formatFieldPath(path), { kind: 'flag', flag: flagLabel });
  /** Sets a top-level key, noting (as tbot does) when it replaces what the file said. */
  const setTop = (key: string, value: unknown, flag: ScalarFlag): void => {
    if (raw[key] !== undefined && raw[key] !== value) warnings.push(`${label(flag)} overrides ${key} from the config file`);
    raw[key] = value;
    mark([key], label(flag));
  };
  const destination = (uri: string, flag: ScalarFlag): unknown => {
    const parsed = destinationFromUri(uri);
    if (parsed.ok) return parsed.destination;
    throw new ConfigError([{ origin: { kind: 'flag', flag: label(flag) }, field: 'storage', problem: `"${uri}" ${parsed.problem}`, expected: URI_EXPECTED }]);
  };

  if (flags.oneshot !== undefined) setTop('oneshot', flags.oneshot, 'oneshot');
  if (flags.debug === true) setTop('debug', true, 'debug');
  if (flags.fips === true) setTop('fips', true, 'fips');
  if (flags.insecure === true) setTop('insecure', true, 'insecure');
  if (flags.proxyServer !== undefined) setTop('proxy_server', flags.proxyServer, 'proxyServer');
  if (flags.authServer !== undefined) setTop('auth_server', flags.authServer, 'authServer');
  if (flags.diagAddr !== undefined) setTop('diag_addr', flags.diagAddr, 'diagAddr');
  if (flags.certificateTtl !== undefined) setTop('credential_ttl', flags.certificateTtl, 'certificateTtl');
  if (flags.renewalInterval !== undefined) setTop('renewal_interval', flags.renewalInterval, 'renewalInterval');
  for (const flag of ['dataDir', 'storage'] as const) {
    const uri = flags[flag];
    if (uri !== undefined) setTop('storage', destination(uri, flag), flag);
  }

  // As in tbot, any join flag replaces the whole onboarding block, so that a ca_path or a
  // gitlab block from the file cannot mix with a token from the command line.
  const caPins = flags.caPins ?? [];
  if (flags.token !== undefined || flags.joinMethod !== undefined || caPins.length > 0) {
    if (isRecord(raw['onboarding']) && Object.keys(raw['onboarding']).length > 0) {
      warnings.push('--token, --join-method or --ca-pin replace the whole onboarding block of the config file, as in tbot');
    }
    const onboarding: Record<string, unknown> = {};
    raw['onboarding'] = onboarding;
    mark(['onboarding'], label(flags.token !== undefined ? 'token' : flags.joinMethod !== undefined ? 'joinMethod' : 'caPins'));
    if (flags.token !== undefined) {
      onboarding['token'] = flags.token;
      mark(['onboarding', 'token'], label('token'));
    }
    if (caPins.length > 0) {
      onboarding['ca_pins'] = [...caPins];
      mark(['onboarding', 'ca_pins'], label('caPins'));
    }
    if (flags.joinMethod !== undefined) {
      onboarding['join_method'] = flags.joinMethod;
      mark(['onboarding', 'join_method'], label('joinMethod'));
    }
  }

  if (flags.joinUri !== undefined) setTop('join_uri', flags.joinUri, 'joinUri');
  // The bound-keypair flags, after the onboarding block above, so that --token or --join-method do not wipe them.
  const boundKeypairFlags = [
    ['registrationSecret', 'registration_secret'],
    ['registrationSecretPath', 'registration_secret_path'],
    ['staticKeyPath', 'static_private_key_path'],
  ] as const;
  for (const [flag, key] of boundKeypairFlags) {
    const value = flags[flag];
    if (value === undefined) continue;
    const onboarding = isRecord(raw['onboarding']) ? raw['onboarding'] : {};
    raw['onboarding'] = onboarding;
    const keypair = isRecord(onboarding['bound_keypair']) ? onboarding['bound_keypair'] : {};
    onboarding['bound_keypair'] = keypair;
    if (keypair[key] !== undefined && keypair[key] !== value) warnings.push(`${label(flag)} overrides onboarding.bound_keypair.${key} from the config file`);
    keypair[key] = value;
    mark(['onboarding', 'bound_keypair', key], label(flag));
  }

  if (flags.destinationDir !== undefined) {
    // tbot's --destination-dir swaps every configured output for one identity output.
    const count = ['outputs', 'services'].reduce((sum, key) => sum + (Array.isArray(raw[key]) ? (raw[key] as unknown[]).length : 0), 0);
    if (count > 0) warnings.push(`--destination-dir replaces the ${count} output(s) and service(s) of the config file with one identity output in ${flags.destinationDir}`);
    delete raw['services'];
    raw['outputs'] = [{ type: 'identity', destination: { type: 'directory', path: flags.destinationDir } }];
    mark(['outputs'], label('destinationDir'));
  }

  for (const entry of flags.entries ?? []) {
    const services = Array.isArray(raw['services']) ? (raw['services'] as unknown[]) : [];
    raw['services'] = services;
    const at: FieldPath = ['services', services.length];
    services.push(entry.raw);
    for (const [field, flag] of Object.entries(entry.labels)) {
      if (field === '') setByFlag.set(formatFieldPath(at), { kind: 'command', command: flag });
      else mark([...at, ...field.split('.')], flag);
    }
  }
  return { raw, setByFlag, warnings };
}

/** The flag (or command) that set `field` or its nearest ancestor. */
export function flagFor(setByFlag: ReadonlyMap<string, IssueOrigin>, field: string): IssueOrigin | undefined {
  let best: { path: string; origin: IssueOrigin } | undefined;
  for (const [path, origin] of setByFlag) {
    const covers = field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
    if (covers && (best === undefined || path.length > best.path.length)) best = { path, origin };
  }
  return best?.origin;
}
