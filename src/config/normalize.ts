/** Validated raw config → BotConfig: defaults, absolute paths, and the cross-field rules a schema cannot say. */
import { resolve, sep } from 'node:path';
import type { ConfigIssue, IssueOrigin } from '../errors.js';
import { ConfigError } from '../errors.js';
import { formatDuration, parseDuration } from './duration.js';
import {
  DEFAULT_CREDENTIAL_TTL,
  DEFAULT_RENEWAL_INTERVAL,
  type BotConfig,
  type Destination,
  type OutputConfig,
  type RawConfig,
  type RawDestination,
} from './types.js';
import type { FieldPath } from './yaml-document.js';
import { formatFieldPath } from './schema-issues.js';

export type LocateField = (path: FieldPath) => IssueOrigin;

function resolveDestination(destination: RawDestination, cwd: string): Destination {
  return destination.type === 'directory' ? { type: 'directory', path: resolve(cwd, destination.path) } : destination;
}

export function normalizeConfig(raw: RawConfig, cwd: string, locate: LocateField, source?: string): BotConfig {
  const issues: ConfigIssue[] = [];
  const issue = (path: FieldPath, problem: string, expected?: string): void => {
    issues.push({ origin: locate(path), field: formatFieldPath(path), problem, ...(expected === undefined ? {} : { expected }) });
  };

  // Patterns in the schema guarantee these parse; zero is the one value they let through.
  const credentialTtlMs = parseDuration(raw.credential_ttl ?? DEFAULT_CREDENTIAL_TTL) ?? 0;
  const renewalIntervalMs = parseDuration(raw.renewal_interval ?? DEFAULT_RENEWAL_INTERVAL) ?? 0;
  if (credentialTtlMs <= 0) issue(['credential_ttl'], 'must be longer than zero', 'a duration such as 1h');
  if (renewalIntervalMs <= 0) issue(['renewal_interval'], 'must be longer than zero', 'a duration such as 20m');
  if (credentialTtlMs > 0 && renewalIntervalMs >= credentialTtlMs) {
    const where: FieldPath = raw.renewal_interval === undefined ? ['credential_ttl'] : ['renewal_interval'];
    issue(
      where,
      `renewal_interval (${formatDuration(renewalIntervalMs)}) is not shorter than credential_ttl (${formatDuration(credentialTtlMs)}), so credentials would expire before renewal`,
      'renewal_interval < credential_ttl',
    );
  }

  const storage = resolveDestination(raw.storage ?? { type: 'memory' }, cwd);
  const outputs: OutputConfig[] = (raw.outputs ?? []).map((output) => ({ ...output, destination: resolveDestination(output.destination, cwd) }) as OutputConfig);

  // Two writers on one directory would overwrite each other's files every cycle.
  const claimedBy = new Map<string, FieldPath>();
  if (storage.type === 'directory') claimedBy.set(storage.path, ['storage', 'path']);
  outputs.forEach((output, index) => {
    if (output.destination.type !== 'directory') return;
    const path: FieldPath = ['outputs', index, 'destination', 'path'];
    const previous = claimedBy.get(output.destination.path);
    if (previous !== undefined) {
      issue(path, `directory is already used by ${formatFieldPath(previous)}`, 'a directory that no other output or storage uses');
    } else if (storage.type === 'directory' && output.destination.path.startsWith(`${storage.path}${sep}`)) {
      // Storage holds the CA's private keys; outputs are meant to be shared with other programs.
      issue(path, 'directory is inside storage.path, next to the certificate authority keys', 'a directory outside storage.path');
    } else {
      claimedBy.set(output.destination.path, path);
    }
  });

  if (issues.length > 0) throw new ConfigError(issues);
  return {
    ...(source === undefined ? {} : { source }),
    ...(raw.proxy_server === undefined ? {} : { proxyServer: raw.proxy_server }),
    joinMethod: raw.onboarding?.join_method ?? 'token',
    ...(raw.onboarding?.token === undefined ? {} : { token: raw.onboarding.token }),
    storage,
    outputs,
    oneshot: raw.oneshot ?? false,
    credentialTtlMs,
    renewalIntervalMs,
    ...(raw.anonymous_analytics === undefined ? {} : { anonymousAnalytics: raw.anonymous_analytics }),
  };
}
