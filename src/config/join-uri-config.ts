/** A config's `join_uri` (from the file or `--join-uri`), parsed and merged into the raw config before validation. */
import { ConfigError, type IssueOrigin } from '../errors.js';
import { JoinUriError, mergeJoinUri, parseJoinUri } from './join-uri.js';
import { formatFieldPath } from './schema-issues.js';
import type { FieldPath } from './yaml-document.js';

export interface AppliedJoinUri {
  warnings: readonly string[];
  /** For a field the URI filled: where the URI came from (the flag, or join_uri's place in the file). */
  locate(path: FieldPath): IssueOrigin | undefined;
}

const NONE: AppliedJoinUri = { warnings: [], locate: () => undefined };

/** Throws ConfigError (located at join_uri) when the URI is unusable or conflicts with the config. */
export function applyJoinUri(raw: Record<string, unknown>, locate: (path: FieldPath, part: 'key' | 'value') => IssueOrigin): AppliedJoinUri {
  const text = raw?.['join_uri'];
  // A non-string is the schema's to report.
  if (typeof text !== 'string' || text === '') return NONE;
  const origin = locate(['join_uri'], 'value');
  let merged: ReturnType<typeof mergeJoinUri>;
  try {
    merged = mergeJoinUri(raw, parseJoinUri(text));
  } catch (error) {
    if (!(error instanceof JoinUriError)) throw error;
    throw new ConfigError([{ origin, field: 'join_uri', problem: error.message, expected: 'tbot+proxy+<join method>://<token>@<host:port> (or tbot+auth+…)' }]);
  }
  if (merged.conflicts.length > 0) {
    throw new ConfigError(merged.conflicts.map((problem) => ({ origin, field: 'join_uri', problem, expected: 'either the join URI or those fields, as in tbot' })));
  }
  const filled = new Set(merged.filled.map((path) => formatFieldPath(path)));
  return {
    warnings: merged.warnings,
    locate: (path) => (filled.has(formatFieldPath(path)) ? origin : undefined),
  };
}
