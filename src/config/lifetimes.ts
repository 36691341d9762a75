/**
 * Credential lifetimes, by tbot's rules: a top-level credential_ttl / renewal_interval pair
 * (certificate_ttl is the older name), and an optional pair on each output that must be given
 * whole. Lifetimes above tbot's 24 h maximum are refused, except for workload identities.
 */
import { formatDuration, parseDuration } from './duration.js';
import { DEFAULT_CREDENTIAL_TTL, DEFAULT_RENEWAL_INTERVAL, DURATION_EXPECTED, MAX_CREDENTIAL_TTL_MS, type Lifetime } from './types.js';
import type { FieldPath } from './yaml-document.js';

export type Issue = (path: FieldPath, problem: string, expected?: string) => void;

/** Output kinds tbot lets live past 24 h (its workload identity outputs skip the check). */
export const UNCAPPED_KINDS: ReadonlySet<string> = new Set(['workload-identity-x509', 'workload-identity-jwt']);
/**
 * Even those get a bound here: two weeks, the longest an X.509 SVID lives in Teleport. It keeps
 * every computed expiry a valid date and every wait well inside what a timer can hold.
 */
export const MAX_WORKLOAD_IDENTITY_TTL_MS = 14 * 24 * 3_600_000;

export interface RawLifetimeFields {
  credential_ttl?: string;
  certificate_ttl?: string;
  renewal_interval?: string;
}

function checkBounds(path: FieldPath, ms: number, maxMs: number, limitWhy: string, issue: Issue): boolean {
  if (ms <= 0) issue(path, 'must be longer than zero', DURATION_EXPECTED);
  else if (ms > maxMs) issue(path, `is longer than ${formatDuration(maxMs)}, ${limitWhy}`, `${DURATION_EXPECTED}, at most ${formatDuration(maxMs)}`);
  else return true;
  return false;
}

interface LifetimeContext {
  at: FieldPath;
  oneshot: boolean;
  issue: Issue;
  warn: (message: string) => void;
  maxMs: number;
  limitWhy: string;
}

/** Reads one pair; `fallback` fills a missing value (top level) or undefined means "both or neither" (outputs). */
function readPair(fields: RawLifetimeFields, context: LifetimeContext, fallback?: { ttl: string; interval: string }): Lifetime | undefined {
  const { at, issue, warn } = context;
  const where = at.length === 0 ? '' : ' on this output';
  let ttlKey: 'credential_ttl' | 'certificate_ttl' = 'credential_ttl';
  if (fields.certificate_ttl !== undefined) {
    if (fields.credential_ttl !== undefined) {
      warn(`both credential_ttl and certificate_ttl are set${where}; credential_ttl is used, as in tbot (certificate_ttl is its older name: remove it)`);
    } else {
      ttlKey = 'certificate_ttl';
      warn(`certificate_ttl${where} is the older name of credential_ttl; it is read as credential_ttl (rename it)`);
    }
  }
  const ttlText = fields[ttlKey];
  const intervalText = fields.renewal_interval;
  if (fallback === undefined && (ttlText === undefined) !== (intervalText === undefined)) {
    const given = ttlText === undefined ? 'renewal_interval' : ttlKey;
    issue(
      [...at, given],
      `is set without ${ttlText === undefined ? 'credential_ttl' : 'renewal_interval'}`,
      'credential_ttl and renewal_interval both set on an output, or neither (the output then uses the top-level pair)',
    );
    return undefined;
  }
  if (ttlText === undefined && intervalText === undefined && fallback === undefined) return undefined;
  // The schema's pattern guarantees these parse; zero is the one value it lets through.
  const credentialTtlMs = parseDuration(ttlText ?? fallback?.ttl ?? '') ?? 0;
  const renewalIntervalMs = parseDuration(intervalText ?? fallback?.interval ?? '') ?? 0;
  const ttlOk = checkBounds([...at, ttlKey], credentialTtlMs, context.maxMs, context.limitWhy, issue);
  const intervalOk = checkBounds([...at, 'renewal_interval'], renewalIntervalMs, context.maxMs, context.limitWhy, issue);
  // In one-shot mode nothing is renewed, so tbot does not compare the two; neither does this.
  if (ttlOk && intervalOk && !context.oneshot && renewalIntervalMs >= credentialTtlMs) {
    const blamed: FieldPath = intervalText === undefined ? [...at, ttlKey] : [...at, 'renewal_interval'];
    issue(
      blamed,
      `renewal_interval (${formatDuration(renewalIntervalMs)}) is not shorter than credential_ttl (${formatDuration(credentialTtlMs)}), so credentials would expire before renewal`,
      'renewal_interval < credential_ttl',
    );
  }
  return { credentialTtlMs, renewalIntervalMs };
}

const TBOT_LIMIT = 'the longest credential lifetime tbot allows';

export function topLevelLifetime(fields: RawLifetimeFields, oneshot: boolean, issue: Issue, warn: (message: string) => void): Lifetime {
  const context: LifetimeContext = { at: [], oneshot, issue, warn, maxMs: MAX_CREDENTIAL_TTL_MS, limitWhy: TBOT_LIMIT };
  return readPair(fields, context, { ttl: DEFAULT_CREDENTIAL_TTL, interval: DEFAULT_RENEWAL_INTERVAL }) ?? { credentialTtlMs: 0, renewalIntervalMs: 0 };
}

/** The output's own pair, or the top-level one when it has none. */
export function outputLifetime(kind: string, fields: RawLifetimeFields, at: FieldPath, top: Lifetime, oneshot: boolean, issue: Issue, warn: (message: string) => void): Lifetime {
  const uncapped = UNCAPPED_KINDS.has(kind);
  const context: LifetimeContext = {
    at,
    oneshot,
    issue,
    warn,
    maxMs: uncapped ? MAX_WORKLOAD_IDENTITY_TTL_MS : MAX_CREDENTIAL_TTL_MS,
    limitWhy: uncapped ? 'the longest this agent issues workload identity credentials for' : TBOT_LIMIT,
  };
  return readPair(fields, context) ?? top;
}
