/**
 * One validated `outputs:` / `services:` entry → its normalized OutputConfig: defaults, absolute
 * destination paths, readers, and the per-kind rules the schema cannot say.
 */
import { resolve } from 'node:path';
import { ipAddressBytes } from '../net/ip-address.js';
import type { Issue } from './lifetimes.js';
import { formatFieldPath } from './schema-issues.js';
import type { Destination, Lifetime, OutputConfig, RawDestination, RawEntry, RawReader, Reader } from './types.js';
import type { FieldPath } from './yaml-document.js';

export interface EntryContext extends DestinationContext {
  at: FieldPath;
  lifetime: Lifetime;
}

export interface DestinationContext {
  cwd: string;
  issue: Issue;
  /** For what tbot's config accepts but this agent cannot do when it runs: `start` refuses it, other commands load. */
  runIssue: Issue;
  warn: (message: string) => void;
}

function reader(raw: RawReader, at: FieldPath, issue: Issue): Reader | undefined {
  const user = 'user' in raw ? raw.user : undefined;
  const group = 'group' in raw ? raw.group : undefined;
  if ((user === undefined) === (group === undefined)) {
    issue(at, user === undefined ? 'sets neither user nor group' : 'sets both user and group', 'exactly one of {user: NAME or ID} or {group: NAME or ID}');
    return undefined;
  }
  return user === undefined ? { group: String(group) } : { user: String(user) };
}

/** A destination with its directory made absolute (relative paths resolve against the working directory, as in tbot). */
export function resolveDestination(raw: RawDestination, at: FieldPath, context: DestinationContext): Destination {
  if (raw.type !== 'directory') return { type: 'memory' };
  const readers = (raw.readers ?? []).flatMap((entry, index) => reader(entry, [...at, 'readers', index], context.issue) ?? []);
  // This agent sets no ACLs, so it does what tbot does on a host without ACL support: `required`
  // stops the run (tbot fails the destination's set-up the same way), and readers are named, not silently dropped.
  if (raw.acls === 'required')
    context.runIssue([...at, 'acls'], 'is "required", but this agent sets no ACLs (tbot fails the same way on a system without ACL support)', 'acls: try (the default) or off');
  else if (readers.length > 0) {
    context.warn(
      `${formatFieldPath([...at, 'readers'])}: not given access; this agent sets no ACLs (as tbot on a system without ACL support), so grant them read access another way, e.g. a group they share`,
    );
  }
  return { type: 'directory', path: resolve(context.cwd, raw.path), symlinks: raw.symlinks ?? 'try-secure', acls: raw.acls ?? 'try', readers };
}

function nameSelector(selector: RawEntry['selector'], at: FieldPath, issue: Issue): { name: string } {
  // A labels selector was explained as cluster-only before this point.
  if (selector?.name === undefined) issue(at, 'has no name', 'a selector {name: WORKLOAD_IDENTITY_NAME}');
  return { name: selector?.name ?? '' };
}

/** `selector`, or `workload_identity`, the name it had when this output was `workload-identity`. */
function x509Selector(entry: RawEntry, { at, issue, warn }: EntryContext): { name: string } {
  if (entry.workload_identity === undefined) return nameSelector(entry.selector, [...at, 'selector'], issue);
  const old = formatFieldPath([...at, 'workload_identity']);
  if (entry.selector !== undefined) {
    warn(`${old}: both selector and workload_identity are set; selector is used (workload_identity is its older name: remove it)`);
    return nameSelector(entry.selector, [...at, 'selector'], issue);
  }
  warn(`${old} is the older name of selector; it is read as selector (rename it)`);
  return nameSelector(entry.workload_identity, [...at, 'workload_identity'], issue);
}

/** The normalized output, without its name (names are settled across all outputs). */
export type UnnamedOutput = OutputConfig extends infer O ? (O extends OutputConfig ? Omit<O, 'name'> : never) : never;

export function normalizeEntry(entry: RawEntry, context: EntryContext): UnnamedOutput | undefined {
  const { at, issue } = context;
  // The schema requires a destination on every kind that reaches here.
  const destination = resolveDestination(entry.destination ?? { type: 'memory' }, [...at, 'destination'], context);
  const base = { destination, roles: entry.roles ?? [], lifetime: context.lifetime };
  switch (entry.type) {
    case 'identity':
      return {
        ...base,
        type: 'identity',
        ...(entry.cluster === undefined ? {} : { cluster: entry.cluster }),
        sshConfig: entry.ssh_config ?? 'on',
        allowReissue: entry.allow_reissue ?? false,
      };
    case 'database':
      return {
        ...base,
        type: 'database',
        service: entry.service ?? '',
        ...(entry.database === undefined ? {} : { database: entry.database }),
        ...(entry.username === undefined ? {} : { username: entry.username }),
        format: entry.format === undefined || entry.format === '' ? 'default' : entry.format,
      };
    case 'kubernetes':
      return { ...base, type: 'kubernetes', kubernetesCluster: entry.kubernetes_cluster ?? '', disableExecPlugin: entry.disable_exec_plugin ?? false };
    case 'kubernetes/v2': {
      const selectors = (entry.selectors ?? []).flatMap((selector, index) => {
        if (selector.name === undefined) {
          issue([...at, 'selectors', index], 'has no name', 'a selector {name: CLUSTER_NAME} (optionally with default_namespace)');
          return [];
        }
        return [{ name: selector.name, ...(selector.default_namespace === undefined ? {} : { defaultNamespace: selector.default_namespace }) }];
      });
      return { ...base, type: 'kubernetes/v2', selectors, disableExecPlugin: entry.disable_exec_plugin ?? false };
    }
    case 'application':
      return { ...base, type: 'application', appName: entry.app_name ?? '', specificTlsNaming: entry.specific_tls_naming ?? false };
    case 'ssh_host':
      if (entry.ca_type === 'openssh') context.warn(`${formatFieldPath(at)}: ca_type openssh is accepted, but the user CA is written in one form only (ssh_host-user-ca.pub)`);
      return { ...base, type: 'ssh_host', principals: entry.principals ?? [] };
    case 'spiffe-svid': {
      const svid = entry.svid ?? { path: '/' };
      const ipSans = svid.sans?.ip ?? [];
      // The certificate builder's own parser decides, so whatever loads can be encoded (no zone ids).
      ipSans.forEach((ip, index) => {
        try {
          ipAddressBytes(ip);
        } catch {
          issue([...at, 'svid', 'sans', 'ip', index], 'is not an IP address', 'an IPv4 or IPv6 address such as 10.0.0.1');
        }
      });
      const fileNames = new Set<string>();
      const jwts = (entry.jwts ?? []).map((jwt, index) => {
        if (fileNames.has(jwt.file_name)) issue([...at, 'jwts', index, 'file_name'], `"${jwt.file_name}" is already used by another JWT of this output`, 'a file name of its own');
        fileNames.add(jwt.file_name);
        return { audience: jwt.audience, fileName: jwt.file_name };
      });
      return {
        ...base,
        type: 'spiffe-svid',
        svid: { path: svid.path, ...(svid.hint === undefined ? {} : { hint: svid.hint }), dnsSans: svid.sans?.dns ?? [], ipSans },
        jwts,
        includeFederatedTrustBundles: entry.include_federated_trust_bundles ?? false,
      };
    }
    case 'workload-identity-x509':
      return {
        ...base,
        type: 'workload-identity-x509',
        selector: x509Selector(entry, context),
        includeFederatedTrustBundles: entry.include_federated_trust_bundles ?? false,
      };
    case 'workload-identity-jwt':
      return { ...base, type: 'workload-identity-jwt', selector: nameSelector(entry.selector, [...at, 'selector'], issue), audiences: entry.audiences ?? [] };
    default:
      return undefined;
  }
}
