/**
 * Configs without `version: v2`. Teleport's tbot reads a file with no version (or `version: v1`) as
 * the v1 layout and converts it in memory, silently dropping every v2 key it does not know. This
 * agent reads v2 only, so it says how to migrate (`tbot migrate`) instead of guessing.
 */
import type { ConfigIssue, IssueOrigin } from '../errors.js';
import type { FieldPath } from './yaml-document.js';

export const V14_UPGRADE_GUIDE = 'https://goteleport.com/docs/reference/machine-id/v14-upgrade-guide/';

/** Keys only the v2 layout has: a versionless file with them was meant as v2. */
const V2_ONLY_KEYS = ['outputs', 'services', 'proxy_server', 'credential_ttl', 'fips'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The migration issue for a v1 (or versionless) mapping, or undefined when the file says v2 or is not a mapping. */
export function v1Issue(data: unknown, locate: (path: FieldPath, part: 'key' | 'value') => IssueOrigin): ConfigIssue | undefined {
  if (!isRecord(data)) return undefined;
  const version = data['version'];
  const missing = version === undefined || version === null || version === '';
  if (!missing && version !== 'v1') return undefined;
  const storageIsV2 = isRecord(data['storage']) && typeof data['storage']['type'] === 'string';
  const looksV2 = data['destinations'] === undefined && (storageIsV2 || V2_ONLY_KEYS.some((key) => data[key] !== undefined));
  const origin = missing ? locate([], 'value') : locate(['version'], 'value');
  if (missing && looksV2) {
    return {
      origin,
      field: 'version',
      problem: "missing; without it Teleport's tbot reads the file as a v1 config and silently drops the v2 keys it holds (proxy_server, outputs, storage.type, ...)",
      expected: '`version: v2` as the first line (the rest of this file is already in the v2 layout)',
    };
  }
  return {
    origin,
    field: 'version',
    problem: `${missing ? 'missing, so this is' : '"v1":'} a v1 config (top-level \`destinations\`), which this agent does not read`,
    expected: `a v2 config: convert it with \`tbot migrate -c OLD.yaml -o NEW.yaml\` (this agent's, or Teleport's), or by hand following ${V14_UPGRADE_GUIDE} (add \`version: v2\`; each destination becomes an output with a \`type\` and a \`destination: {type: directory, path: ...}\`)`,
  };
}
