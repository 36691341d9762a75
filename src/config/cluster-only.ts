/**
 * Parts of a tbot config that are valid in Teleport's tbot but need something this agent does not
 * have: a Teleport cluster to talk to, a Kubernetes API, AWS, or a FIPS-validated crypto module.
 * They are found on the plain data before schema validation, so that the explanation, not an
 * "unknown field" complaint about something inside them, is what the user reads.
 */
import type { FieldPath } from './yaml-document.js';

export interface ClusterOnlyFinding {
  /** The key that names the feature, e.g. services[0].type; where the message points. */
  path: FieldPath;
  /** The part of the config the feature covers; schema complaints inside it are dropped. */
  block: FieldPath;
  /** The feature as the user wrote it, e.g. `type: ssh-multiplexer`. */
  feature: string;
  /** Why this agent cannot serve it. */
  why: string;
  /** What the user can do instead. */
  remedy: string;
}

const NO_CLUSTER = 'and this agent contacts no Teleport cluster (its credentials come from a local CA)';
const USE_TBOT = "remove it here, or run Teleport's tbot against a cluster for this part";

/** Output and service types that only work against a cluster (or a cloud or Kubernetes API). */
export const CLUSTER_ONLY_TYPES: Readonly<Record<string, string>> = {
  'database-tunnel': 'it opens a local listener that forwards database connections through a Teleport proxy',
  'application-tunnel': 'it opens a local listener that forwards application connections through a Teleport proxy',
  'application-proxy': 'it forwards HTTP requests to applications through a Teleport proxy',
  'ssh-multiplexer': 'it carries SSH connections to Teleport nodes through a Teleport proxy',
  'spiffe-workload-api': 'it serves the SPIFFE Workload API, which issues SVIDs from a Teleport cluster to workloads it attests',
  'workload-identity-api': 'it serves the SPIFFE Workload API, which issues workload identities from a Teleport cluster to workloads it attests',
  'workload-identity-aws-roles-anywhere': 'it trades a workload identity issued by a Teleport cluster for AWS credentials from AWS IAM Roles Anywhere',
  'workload-identity-aws-ra': 'it trades a workload identity issued by a Teleport cluster for AWS credentials from AWS IAM Roles Anywhere',
  'kubernetes/argo-cd': 'it writes Argo CD cluster Secrets through a Kubernetes API for the Kubernetes clusters a Teleport cluster lists',
};

const KUBERNETES_SECRET = 'it is a Secret written through a Kubernetes API, which this agent does not talk to';
const FIPS = 'FIPS mode needs a binary built on a FIPS 140 validated crypto module, and this agent runs on Node.js crypto, which has no FIPS mode';
const KUBE_LABELS = `it matches the Kubernetes clusters registered in a Teleport cluster, ${NO_CLUSTER}, so there is nothing to match`;
const WORKLOAD_LABELS = `it matches the workload identities stored in a Teleport cluster, ${NO_CLUSTER}, so there is nothing to match`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The full sentence for a finding (the field and place are added by the caller). */
export function explainClusterOnly(finding: ClusterOnlyFinding): string {
  return `${finding.feature} is valid in Teleport's tbot, but this agent cannot serve it: ${finding.why}`;
}

function destinationFindings(destination: unknown, at: FieldPath): ClusterOnlyFinding[] {
  if (!isRecord(destination) || destination['type'] !== 'kubernetes_secret') return [];
  return [
    {
      path: [...at, 'type'],
      block: at,
      feature: '`type: kubernetes_secret`',
      why: KUBERNETES_SECRET,
      remedy: "use a directory or memory destination here, or run Teleport's tbot where a Kubernetes API is reachable",
    },
  ];
}

function entryFindings(entry: unknown, at: FieldPath): ClusterOnlyFinding[] {
  if (!isRecord(entry)) return [];
  const type = entry['type'];
  if (typeof type === 'string' && Object.hasOwn(CLUSTER_ONLY_TYPES, type)) {
    return [{ path: [...at, 'type'], block: at, feature: `\`type: ${type}\``, why: `${CLUSTER_ONLY_TYPES[type] as string}, ${NO_CLUSTER}`, remedy: USE_TBOT }];
  }
  const findings = destinationFindings(entry['destination'], [...at, 'destination']);
  const selectors = entry['selectors'];
  if (type === 'kubernetes/v2' && Array.isArray(selectors)) {
    selectors.forEach((selector, index) => {
      if (isRecord(selector) && selector['labels'] !== undefined) {
        findings.push({
          path: [...at, 'selectors', index, 'labels'],
          block: [...at, 'selectors', index],
          feature: 'a `labels` selector',
          why: KUBE_LABELS,
          remedy: 'select each cluster by `name:` instead',
        });
      }
    });
  }
  // `workload_identity` is the older name of an x509 output's selector.
  const selectorKey = entry['selector'] === undefined && type === 'workload-identity-x509' ? 'workload_identity' : 'selector';
  const selector = entry[selectorKey];
  if ((type === 'workload-identity-x509' || type === 'workload-identity-jwt') && isRecord(selector) && selector['labels'] !== undefined) {
    findings.push({
      path: [...at, selectorKey, 'labels'],
      block: [...at, selectorKey],
      feature: 'a `labels` selector',
      why: WORKLOAD_LABELS,
      remedy: 'select the workload identity by `name:` instead',
    });
  }
  return findings;
}

/** Every cluster-only part of the raw config, in document order of the top-level keys. */
export function findClusterOnly(data: unknown): ClusterOnlyFinding[] {
  if (!isRecord(data)) return [];
  const findings: ClusterOnlyFinding[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key === 'fips' && value === true)
      findings.push({ path: ['fips'], block: ['fips'], feature: '`fips: true`', why: FIPS, remedy: "remove it (or --fips) here, or use Teleport's FIPS build of tbot" });
    if (key === 'storage') findings.push(...destinationFindings(value, ['storage']));
    if ((key === 'outputs' || key === 'services') && Array.isArray(value)) for (const [index, entry] of value.entries()) findings.push(...entryFindings(entry, [key, index]));
  }
  return findings;
}

/** True when `path` lies in (or is) `block`. */
export function isWithin(path: FieldPath, block: FieldPath): boolean {
  return block.length <= path.length && block.every((segment, index) => String(path[index]) === String(segment));
}
