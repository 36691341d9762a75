/** Validated raw config → BotConfig: defaults, absolute paths, and the cross-field rules a schema cannot say. */
import { resolve, sep } from 'node:path';
import type { ConfigIssue, IssueOrigin } from '../errors.js';
import { ConfigError } from '../errors.js';
import type { RealPath } from '../fs/real-path.js';
import { formatDuration, parseDuration } from './duration.js';
import {
  DEFAULT_CREDENTIAL_TTL,
  DURATION_EXPECTED,
  MAX_CREDENTIAL_TTL_MS,
  DEFAULT_RENEWAL_INTERVAL,
  type BotConfig,
  type Destination,
  type OutputConfig,
  type RawConfig,
  type RawDestination,
} from './types.js';
import type { FieldPath } from './yaml-document.js';
import { formatFieldPath } from './schema-issues.js';
import { systemDirectoryProblem } from './system-directories.js';
import { normalizeOutputs, parseListenAddress } from './normalize-outputs.js';

export type LocateField = (path: FieldPath) => IssueOrigin;
type Issue = (path: FieldPath, problem: string, expected?: string) => void;

function resolveDestination(destination: RawDestination, cwd: string): Destination {
  // Symlink, ACL and reader settings are not in this schema yet; tbot's defaults stand in for them.
  return destination.type === 'directory' ? { type: 'directory', path: resolve(cwd, destination.path), symlinks: 'try-secure', acls: 'try', readers: [] } : destination;
}

interface ClaimedDirectory {
  field: FieldPath;
  /** Symlinks resolved, so two routes to one directory compare equal. */
  real: string;
}

const inside = (child: string, parent: string): boolean => child.startsWith(parent === sep ? parent : `${parent}${sep}`);

/**
 * Directory rules, all on real paths: no system directory; no two writers on one directory (they
 * would overwrite each other's files every cycle); and storage, which holds the CA's private keys,
 * neither inside an output directory nor holding one (outputs are shared with other programs).
 */
async function checkDirectories(storage: Destination, outputs: readonly OutputConfig[], realPath: RealPath, issue: Issue): Promise<void> {
  const directories = [
    { field: ['storage', 'path'] as FieldPath, destination: storage },
    ...outputs.map((output, index) => ({ field: ['outputs', index, 'destination', 'path'] as FieldPath, destination: output.destination })),
  ].flatMap(({ field, destination }) => (destination.type === 'directory' ? [{ field, path: destination.path }] : []));
  const reals = await Promise.all(directories.map(({ path }) => realPath(path)));
  const usable = directories.flatMap(({ field, path }, index): ClaimedDirectory[] => {
    const real = reals[index] as string;
    const problem = systemDirectoryProblem(real);
    if (problem === undefined) return [{ field, real }];
    const via = real === path ? '' : ` (it resolves to ${real})`;
    issue(field, `${path} ${problem}${via}`, 'a directory of its own, such as /var/lib/tbot or /opt/machine-id');
    return [];
  });
  const storageDir = usable.find((dir) => dir.field[0] === 'storage');
  const claimed = new Map<string, FieldPath>(storageDir === undefined ? [] : [[storageDir.real, storageDir.field]]);
  for (const dir of usable) {
    if (dir === storageDir) continue;
    const previous = claimed.get(dir.real);
    if (previous !== undefined) {
      issue(dir.field, `directory is already used by ${formatFieldPath(previous)}`, 'a directory that no other output or storage uses');
    } else if (storageDir !== undefined && inside(dir.real, storageDir.real)) {
      issue(dir.field, 'directory is inside storage.path, next to the certificate authority keys', 'a directory outside storage.path');
    } else if (storageDir !== undefined && inside(storageDir.real, dir.real)) {
      issue(storageDir.field, `storage directory is inside the directory of ${formatFieldPath(dir.field)}, which is shared with other programs`, 'a storage directory outside every output directory');
    } else {
      claimed.set(dir.real, dir.field);
    }
  }
}

/**
 * Zero and anything over tbot's 24 h certificate maximum are refused here. The upper bound also
 * keeps every computed expiry a valid date and every wait far inside what a timer can hold.
 */
function checkDurationBounds(path: FieldPath, ms: number, issue: Issue): boolean {
  if (ms <= 0) issue(path, 'must be longer than zero', DURATION_EXPECTED);
  else if (ms > MAX_CREDENTIAL_TTL_MS) issue(path, `is longer than ${formatDuration(MAX_CREDENTIAL_TTL_MS)}, the longest credential lifetime tbot allows`, `${DURATION_EXPECTED}, at most ${formatDuration(MAX_CREDENTIAL_TTL_MS)}`);
  else return true;
  return false;
}

export async function normalizeConfig(raw: RawConfig, cwd: string, locate: LocateField, realPath: RealPath, source?: string): Promise<BotConfig> {
  const issues: ConfigIssue[] = [];
  const issue: Issue = (path, problem, expected) => {
    issues.push({ origin: locate(path), field: formatFieldPath(path), problem, ...(expected === undefined ? {} : { expected }) });
  };

  // Patterns in the schema guarantee these parse; zero is the one value they let through.
  const credentialTtlMs = parseDuration(raw.credential_ttl ?? DEFAULT_CREDENTIAL_TTL) ?? 0;
  const renewalIntervalMs = parseDuration(raw.renewal_interval ?? DEFAULT_RENEWAL_INTERVAL) ?? 0;
  const ttlOk = checkDurationBounds(['credential_ttl'], credentialTtlMs, issue);
  const intervalOk = checkDurationBounds(['renewal_interval'], renewalIntervalMs, issue);
  if (ttlOk && intervalOk && renewalIntervalMs >= credentialTtlMs) {
    const where: FieldPath = raw.renewal_interval === undefined ? ['credential_ttl'] : ['renewal_interval'];
    issue(
      where,
      `renewal_interval (${formatDuration(renewalIntervalMs)}) is not shorter than credential_ttl (${formatDuration(credentialTtlMs)}), so credentials would expire before renewal`,
      'renewal_interval < credential_ttl',
    );
  }

  const storage = resolveDestination(raw.storage ?? { type: 'memory' }, cwd);
  const rawOutputs = raw.outputs ?? [];
  const outputs = normalizeOutputs(
    rawOutputs,
    rawOutputs.map((output) => resolveDestination(output.destination, cwd)),
    { credentialTtlMs, renewalIntervalMs },
    issue,
    (path, ms) => checkDurationBounds(path, ms, issue),
  );
  await checkDirectories(storage, outputs, realPath, issue);
  const diagAddr = raw.diag_addr === undefined ? undefined : parseListenAddress(raw.diag_addr);
  if (raw.diag_addr !== undefined && diagAddr === undefined) issue(['diag_addr'], 'is not a listen address', 'host:port with a port from 0 to 65535, such as 127.0.0.1:3001');

  if (issues.length > 0) throw new ConfigError(issues);
  return {
    ...(source === undefined ? {} : { source }),
    ...(raw.proxy_server === undefined ? {} : { proxyServer: raw.proxy_server }),
    joinMethod: raw.onboarding?.join_method ?? 'token',
    ...(raw.onboarding?.token === undefined ? {} : { token: raw.onboarding.token }),
    storage,
    outputs,
    oneshot: raw.oneshot ?? false,
    debug: false,
    credentialTtlMs,
    renewalIntervalMs,
    ...(diagAddr === undefined ? {} : { diagAddr }),
    warnings: [],
    ...(raw.anonymous_analytics === undefined ? {} : { anonymousAnalytics: raw.anonymous_analytics }),
  };
}
