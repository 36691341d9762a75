/**
 * Raw outputs → the normalized OutputConfig shape: tbot's defaults for every optional key, each
 * output's effective lifetime, and a unique name for logs, /readyz and metrics.
 */
import { ipAddressBytes } from '../ca/ip-address.js';
import { formatDuration, parseDuration } from './duration.js';
import type { Destination, Lifetime, OutputConfig, RawOutput } from './types.js';
import type { FieldPath } from './yaml-document.js';

export type Issue = (path: FieldPath, problem: string, expected?: string) => void;
export type CheckBounds = (path: FieldPath, ms: number) => boolean;

/** tbot's rule: an output names both halves of its lifetime or neither; the pair must leave time to renew. */
function outputLifetime(raw: RawOutput, at: FieldPath, fallback: Lifetime, issue: Issue, bounds: CheckBounds): Lifetime {
  if (raw.credential_ttl === undefined && raw.renewal_interval === undefined) return fallback;
  if (raw.credential_ttl === undefined || raw.renewal_interval === undefined) {
    const missing = raw.credential_ttl === undefined ? 'credential_ttl' : 'renewal_interval';
    issue(at, `sets ${missing === 'credential_ttl' ? 'renewal_interval' : 'credential_ttl'} without ${missing}`, 'credential_ttl and renewal_interval both set, or neither');
    return fallback;
  }
  const credentialTtlMs = parseDuration(raw.credential_ttl) ?? 0;
  const renewalIntervalMs = parseDuration(raw.renewal_interval) ?? 0;
  const ok = bounds([...at, 'credential_ttl'], credentialTtlMs) && bounds([...at, 'renewal_interval'], renewalIntervalMs);
  if (ok && renewalIntervalMs >= credentialTtlMs) {
    issue([...at, 'renewal_interval'], `renewal_interval (${formatDuration(renewalIntervalMs)}) is not shorter than credential_ttl (${formatDuration(credentialTtlMs)}), so credentials would expire before renewal`, 'renewal_interval < credential_ttl');
  }
  return { credentialTtlMs, renewalIntervalMs };
}

function generatedName(type: string, destination: Destination): string {
  return `${type} (${destination.type === 'directory' ? `directory ${destination.path}` : 'memory'})`;
}

/** What one kind adds to the fields every output has (Omit distributed over the union). */
type KindFields = OutputConfig extends infer T ? (T extends OutputConfig ? Omit<T, 'name' | 'destination' | 'roles' | 'lifetime'> : never) : never;

function kindFields(raw: RawOutput, at: FieldPath, issue: Issue): KindFields {
  switch (raw.type) {
    case 'identity':
      return { type: 'identity', ...(raw.cluster === undefined ? {} : { cluster: raw.cluster }), sshConfig: raw.ssh_config ?? 'on', allowReissue: raw.allow_reissue ?? false };
    case 'database':
      return {
        type: 'database',
        service: raw.service,
        ...(raw.database === undefined ? {} : { database: raw.database }),
        ...(raw.username === undefined ? {} : { username: raw.username }),
        format: raw.format === undefined || raw.format === '' ? 'default' : raw.format,
      };
    case 'kubernetes':
      return { type: 'kubernetes', kubernetesCluster: raw.kubernetes_cluster, disableExecPlugin: raw.disable_exec_plugin ?? false };
    case 'kubernetes/v2':
      return {
        type: 'kubernetes/v2',
        selectors: raw.selectors.map((selector) => ({ name: selector.name, ...(selector.default_namespace === undefined ? {} : { defaultNamespace: selector.default_namespace }) })),
        disableExecPlugin: raw.disable_exec_plugin ?? false,
      };
    case 'application':
      return { type: 'application', appName: raw.app_name, specificTlsNaming: raw.specific_tls_naming ?? false };
    case 'ssh_host':
      return { type: 'ssh_host', principals: raw.principals };
    case 'spiffe-svid': {
      const ipSans = raw.svid.sans?.ip ?? [];
      ipSans.forEach((address, index) => {
        try {
          ipAddressBytes(address);
        } catch {
          issue([...at, 'svid', 'sans', 'ip', index], 'is not an IP address', 'an IPv4 or IPv6 address such as 10.0.0.1 or fd00::1');
        }
      });
      return {
        type: 'spiffe-svid',
        svid: { path: raw.svid.path, ...(raw.svid.hint === undefined ? {} : { hint: raw.svid.hint }), dnsSans: raw.svid.sans?.dns ?? [], ipSans },
        jwts: (raw.jwts ?? []).map((jwt) => ({ audience: jwt.audience, fileName: jwt.file_name })),
        includeFederatedTrustBundles: raw.include_federated_trust_bundles ?? false,
      };
    }
    case 'workload-identity-x509':
      return { type: 'workload-identity-x509', selector: { name: raw.selector.name }, includeFederatedTrustBundles: raw.include_federated_trust_bundles ?? false };
    case 'workload-identity-jwt':
      return { type: 'workload-identity-jwt', selector: { name: raw.selector.name }, audiences: raw.audiences };
  }
}

export function normalizeOutputs(
  raws: readonly RawOutput[],
  destinations: readonly Destination[],
  fallback: Lifetime,
  issue: Issue,
  bounds: CheckBounds,
): OutputConfig[] {
  const outputs = raws.map((raw, index): OutputConfig => {
    const at: FieldPath = ['outputs', index];
    const destination = destinations[index] as Destination;
    return {
      ...kindFields(raw, at, issue),
      name: raw.name ?? generatedName(raw.type, destination),
      destination,
      roles: raw.roles ?? [],
      lifetime: outputLifetime(raw, at, fallback, issue, bounds),
    } as OutputConfig;
  });
  // Generated names can only collide for memory destinations; number them. A given name must be unique.
  const seen = new Map<string, number>();
  return outputs.map((output, index) => {
    const count = (seen.get(output.name) ?? 0) + 1;
    seen.set(output.name, count);
    if (count === 1) return output;
    if (raws[index]?.name !== undefined) issue(['outputs', index, 'name'], `"${output.name}" is already the name of another output`, 'a name no other output uses');
    return { ...output, name: `${output.name} #${count}` };
  });
}

/** `host:port` or `[v6]:port` → its parts; the schema has checked the shape. */
export function parseListenAddress(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port > 65_535) return undefined;
  return { host: match[1] ?? (match[2] as string), port };
}
