/** Command-line flags layered over the file. Pure: returns a new raw config and who set what. */
import { formatFieldPath } from './schema-issues.js';
import type { FieldPath } from './yaml-document.js';

export interface ConfigFlags {
  oneshot?: boolean;
  joinMethod?: string;
  token?: string;
  proxyServer?: string;
  dataDir?: string;
  destinationDir?: string;
  credentialTtl?: string;
  renewalInterval?: string;
}

export interface Overridden {
  raw: Record<string, unknown>;
  /** Field path (formatted) → the flag that set it. */
  setByFlag: ReadonlyMap<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function applyFlagOverrides(fileData: unknown, flags: ConfigFlags): Overridden {
  // A non-mapping document is left alone so that the schema reports it against the file.
  if (!isRecord(fileData)) return { raw: fileData as Record<string, unknown>, setByFlag: new Map() };
  const raw: Record<string, unknown> = structuredClone(fileData);
  const setByFlag = new Map<string, string>();
  const set = (path: FieldPath, value: unknown, flag: string): void => {
    let parent = raw;
    for (const segment of path.slice(0, -1)) {
      const key = String(segment);
      if (!isRecord(parent[key]) && !Array.isArray(parent[key])) parent[key] = {};
      parent = parent[key] as Record<string, unknown>;
    }
    parent[String(path[path.length - 1])] = value;
    setByFlag.set(formatFieldPath(path), flag);
  };

  if (flags.oneshot !== undefined) set(['oneshot'], flags.oneshot, flags.oneshot ? '--oneshot' : '--no-oneshot');
  if (flags.joinMethod !== undefined) set(['onboarding', 'join_method'], flags.joinMethod, '--join-method');
  if (flags.token !== undefined) set(['onboarding', 'token'], flags.token, '--token');
  if (flags.proxyServer !== undefined) set(['proxy_server'], flags.proxyServer, '--proxy-server');
  if (flags.dataDir !== undefined) set(['storage'], { type: 'directory', path: flags.dataDir }, '--data-dir');
  if (flags.credentialTtl !== undefined) set(['credential_ttl'], flags.credentialTtl, '--credential-ttl');
  if (flags.renewalInterval !== undefined) set(['renewal_interval'], flags.renewalInterval, '--renewal-interval');
  if (flags.destinationDir !== undefined) {
    // As in tbot, --destination-dir adds an identity output writing to that directory.
    const outputs = Array.isArray(raw['outputs']) ? raw['outputs'] : [];
    raw['outputs'] = outputs;
    set(['outputs', outputs.length], { type: 'identity', destination: { type: 'directory', path: flags.destinationDir } }, '--destination-dir');
  }
  return { raw, setByFlag };
}

/** The flag that set `field` or one of its ancestors. */
export function flagFor(setByFlag: ReadonlyMap<string, string>, field: string): string | undefined {
  for (const [path, flag] of setByFlag) {
    if (field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`)) return flag;
  }
  return undefined;
}
