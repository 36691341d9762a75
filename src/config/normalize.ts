/** Validated raw config → BotConfig: defaults, absolute paths, and the cross-field rules a schema cannot say. */
import type { ConfigIssue, IssueOrigin } from '../errors.js';
import { ConfigError } from '../errors.js';
import type { RealPath } from '../fs/real-path.js';
import { checkDirectories, type PlacedDestination } from './directories.js';
import { normalizeEntry, resolveDestination, type UnnamedOutput } from './entries.js';
import { outputLifetime, topLevelLifetime, type Issue } from './lifetimes.js';
import { formatFieldPath } from './schema-issues.js';
import type { BotConfig, JoinMethod, OutputConfig, RawConfig, RawEntry } from './types.js';
import type { FieldPath } from './yaml-document.js';

export type LocateField = (path: FieldPath) => IssueOrigin;

export interface NormalizeInput {
  raw: RawConfig;
  cwd: string;
  locate: LocateField;
  realPath: RealPath;
  source?: string;
  /** Warnings found before this step (flags overriding the file). */
  warnings?: readonly string[];
}

/** Names tbot keeps for its own internal services. */
const RESERVED_NAMES = new Set(['ca-rotation', 'crl-cache', 'heartbeat', 'identity', 'spiffe-trust-bundle-cache']);

/** The one line `start` logs when the config reads as if it talked to a cluster: it never does. */
export function honestyWarning(raw: RawConfig): string | undefined {
  const named = [
    raw.onboarding?.join_method === undefined ? undefined : `join_method ${raw.onboarding.join_method}`,
    raw.onboarding?.token === undefined ? undefined : 'a token',
    raw.proxy_server === undefined ? undefined : 'proxy_server',
    raw.auth_server === undefined ? undefined : 'auth_server',
    raw.join_uri === undefined ? undefined : 'join_uri',
  ].filter((item): item is string => item !== undefined);
  if (named.length === 0) return undefined;
  return `no Teleport cluster was contacted: every credential comes from this agent's local CA, and the configured ${named.join(', ')} ${named.length === 1 ? 'is' : 'are'} not used to join or authenticate`;
}

/** "host:port" or "[v6]:port" → parts; an empty host listens on every interface, as in Go. */
export function parseListenAddress(text: string): { host: string; port: number } | undefined {
  const match = /^\[([0-9a-fA-F:.%A-Za-z]+)\]:([0-9]{1,5})$/.exec(text) ?? /^([^:\s[\]]*):([0-9]{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[2]);
  return port > 65_535 ? undefined : { host: match[1] as string, port };
}

function onboardingRules(raw: RawConfig, issue: Issue, warn: (message: string) => void): void {
  const onboarding = raw.onboarding ?? {};
  const pins = (onboarding.ca_pins ?? []).length > 0;
  if (pins && onboarding.ca_path !== undefined) issue(['onboarding', 'ca_path'], 'is set together with ca_pins, which tbot refuses', 'either ca_pins or ca_path, not both');
  if (raw.insecure === true && pins) issue(['onboarding', 'ca_pins'], 'is set together with insecure, which tbot refuses', 'either ca_pins or insecure, not both');
  if (raw.insecure === true && onboarding.ca_path !== undefined)
    issue(['onboarding', 'ca_path'], 'is set together with insecure, which tbot refuses', 'either ca_path or insecure, not both');
  const keypair = onboarding['bound_keypair'] as Record<string, unknown> | undefined;
  // tbot checks this pair only when a bound_keypair join runs, and this agent runs no join.
  if (keypair?.['registration_secret'] !== undefined && keypair['registration_secret_path'] !== undefined && onboarding.join_method === 'bound_keypair') {
    warn('onboarding.bound_keypair: registration_secret and registration_secret_path are both set; tbot refuses that when it joins (this agent does not join)');
  }
  const oidc = onboarding['generic_oidc'] as Record<string, unknown> | undefined;
  if (oidc?.['env'] !== undefined && oidc['command'] !== undefined) issue(['onboarding', 'generic_oidc', 'command'], 'is set together with env', 'either env or command');
}

/** Explicit names are checked; the rest get a label from their kind and destination, made unique. */
function nameOutputs(entries: readonly { raw: RawEntry; at: FieldPath; output: UnnamedOutput }[], issue: Issue): OutputConfig[] {
  const explicit = new Map<string, FieldPath>();
  for (const { raw, at } of entries) {
    if (raw.name === undefined) continue;
    if (RESERVED_NAMES.has(raw.name)) issue([...at, 'name'], `"${raw.name}" is a name tbot keeps for its own services`, 'another name');
    const previous = explicit.get(raw.name);
    if (previous !== undefined) issue([...at, 'name'], `"${raw.name}" is already the name of ${formatFieldPath(previous)}`, 'a name no other output has');
    explicit.set(raw.name, at);
  }
  const used = new Set<string>(explicit.keys());
  return entries.map(({ raw, output }) => {
    let name = raw.name;
    if (name === undefined) {
      const where = output.destination.type === 'directory' ? `directory ${output.destination.path}` : 'memory';
      const label = `${output.type} (${where})`;
      name = label;
      for (let n = 2; used.has(name); n++) name = `${label} #${n}`;
    }
    used.add(name);
    return { ...output, name } as OutputConfig;
  });
}

export async function normalizeConfig(input: NormalizeInput): Promise<BotConfig> {
  const { raw, cwd, locate } = input;
  const warnings: string[] = [...(input.warnings ?? [])];
  const collect =
    (into: ConfigIssue[]): Issue =>
    (path, problem, expected) => {
      into.push({ origin: locate(path), field: formatFieldPath(path), problem, ...(expected === undefined ? {} : { expected }) });
    };
  const issues: ConfigIssue[] = [];
  const runIssues: ConfigIssue[] = [];
  const issue = collect(issues);
  const runIssue = collect(runIssues);
  const warn = (message: string): void => void warnings.push(message);
  const oneshot = raw.oneshot ?? false;

  const top = topLevelLifetime(raw, oneshot, issue, warn);
  onboardingRules(raw, issue, warn);
  const storage = resolveDestination(raw.storage ?? { type: 'memory' }, ['storage'], { cwd, issue, runIssue, warn });

  // tbot merges `outputs` into `services`, services first; paths keep their own list's index.
  const lists = [
    ['services', raw.services ?? []],
    ['outputs', raw.outputs ?? []],
  ] as const;
  const normalized: { raw: RawEntry; at: FieldPath; output: UnnamedOutput }[] = [];
  for (const [key, list] of lists) {
    list.forEach((entry, index) => {
      const at: FieldPath = [key, index];
      if (entry.type === 'example') {
        warn(`${formatFieldPath(at)}: tbot's \`example\` service only logs a greeting; this agent skips it`);
        return;
      }
      const lifetime = outputLifetime(entry.type, entry, at, top, oneshot, issue, warn);
      const output = normalizeEntry(entry, { at, cwd, lifetime, issue, runIssue, warn });
      if (output !== undefined) normalized.push({ raw: entry, at, output });
    });
  }
  const outputs = nameOutputs(normalized, issue);
  const placed: PlacedDestination[] = normalized.map(({ at, output }) => ({ at: [...at, 'destination'], destination: output.destination }));
  await checkDirectories(storage, placed, input.realPath, issue);

  let diagAddr: BotConfig['diagAddr'];
  if (raw.diag_addr !== undefined) {
    diagAddr = parseListenAddress(raw.diag_addr);
    if (diagAddr === undefined) issue(['diag_addr'], 'is not a listen address', 'host:port such as 127.0.0.1:3000, or [::1]:3000');
  }
  if (raw.proxy_server !== undefined && raw.auth_server !== undefined) {
    warn('both proxy_server and auth_server are set; tbot uses proxy_server, and so does this agent');
  }
  const honesty = honestyWarning(raw);
  if (honesty !== undefined) warn(honesty);

  if (issues.length > 0) throw new ConfigError(issues);
  return {
    ...(input.source === undefined ? {} : { source: input.source }),
    ...(raw.proxy_server === undefined ? {} : { proxyServer: raw.proxy_server }),
    ...(raw.auth_server === undefined ? {} : { authServer: raw.auth_server }),
    joinMethod: (raw.onboarding?.join_method ?? 'token') as JoinMethod,
    ...(raw.onboarding?.token === undefined ? {} : { token: raw.onboarding.token }),
    storage,
    outputs,
    oneshot,
    debug: raw.debug ?? false,
    credentialTtlMs: top.credentialTtlMs,
    renewalIntervalMs: top.renewalIntervalMs,
    ...(diagAddr === undefined ? {} : { diagAddr }),
    ...(raw.anonymous_analytics === undefined ? {} : { anonymousAnalytics: raw.anonymous_analytics }),
    warnings,
    runIssues,
  };
}
