/**
 * Valid Connect and Discover requests (canonical ProtoJSON) for every oneof member, built directly
 * as the next issue's reporter would: sensitive names go through the real anonymizer. Tests mutate
 * them to make bad ones; the benchmark generates its store from them.
 */
import { anonymize } from '../../src/protocol/anonymized.js';
import { CONNECT_EVENTS, type ConnectEventSpec } from '../../src/protocol/connect-wire.js';
import { DISCOVER_STEPS, type DiscoverStep } from '../../src/protocol/discover-wire.js';

/** A per-cluster key as Connect uses one: the root cluster's id, a UUID string. */
export const CLUSTER_KEY = '6a3c4f0e-2b7d-4c1a-9f5e-8d2b1a0c3e4f';
export const anon = (name: string): string => anonymize(CLUSTER_KEY, name);

/** Event bodies with every field set, by member; sensitive fields carry anonymized names. */
export function connectEventBody(member: string): Record<string, unknown> {
  const names = { clusterName: anon('prod-cluster'), userName: anon('alice') };
  const rootLeaf = { rootClusterName: anon('prod-cluster'), leafClusterName: anon('leaf-eu') };
  switch (member) {
    case 'clusterLogin':
      return { ...names, connectorType: 'github', arch: 'arm64', os: 'darwin', osVersion: '23.4.0', appVersion: '17.0.1' };
    case 'protocolUse':
      return { ...names, protocol: 'ssh', origin: 'resource_table', accessThrough: 'proxy_service' };
    case 'accessRequestCreate':
      return { ...names, kind: 'resource' };
    case 'fileTransferRun':
      return { ...names, isUpload: true };
    case 'userJobRoleUpdate':
      return { jobRole: 'DevOps Engineer' };
    case 'connectMyComputerSetup':
      return { ...names, success: false, failedStep: 'downloading_agent' };
    case 'accessRequestReview':
    case 'accessRequestAssumeRole':
    case 'connectMyComputerAgentStart':
      return names;
    case 'start':
      return { os: 'linux', arch: 'x64', osVersion: '6.5.0-14-generic', connectVersion: '17.0.1' };
    case 'clusterAdd':
    case 'workspaceChange':
      return { rootClusterName: anon('prod-cluster') };
    case 'leafClusterPickerChange':
      return rootLeaf;
    case 'tabOpen':
      return { ...rootLeaf, tabKind: 'doc.terminal_shell' };
    case 'connectionsPickerItemSelect':
      return { ...rootLeaf, connectionKind: 'connection.server' };
    case 'commandBarCommandRun':
      return { ...rootLeaf, commandKind: 'tsh_ssh' };
    case 'commandBarAutocompleteSelect':
      return { ...rootLeaf, suggestionKind: 'suggestion.server' };
    case 'resourceTableSearch':
      return { ...rootLeaf, resourceKind: 'node', isAdvanced: false };
    case 'accessRequestsCreate':
      return { rootClusterName: anon('prod-cluster'), kind: 'resource', requestedResourcesCount: 3 };
    case 'dbProxyRunCli':
      return { ...rootLeaf, protocol: 'postgres' };
  }
  throw new Error(`no sample for ${member}`);
}

export function connectRequest(spec: ConnectEventSpec, distinctId: string = crypto.randomUUID(), timestamp: string = new Date().toISOString()): Record<string, unknown> {
  return { distinctId, timestamp, [spec.member]: connectEventBody(spec.member) };
}

export const CONNECT_PREHOG = CONNECT_EVENTS.filter((spec) => spec.contract === 'prehog');
export const CONNECT_EXTRA = CONNECT_EVENTS.filter((spec) => spec.contract === 'extra');

export interface DiscoverOptions {
  runId?: string;
  resource?: string;
  status?: string;
  error?: string;
  timestamp?: string;
}

/** A SubmitEventRequest carrying `step`, with the extra fields its message has. */
export function discoverRequest(step: DiscoverStep, options: DiscoverOptions = {}): Record<string, unknown> {
  const event: Record<string, unknown> = {
    metadata: { id: options.runId ?? crypto.randomUUID(), userName: anon('alice'), sso: true },
    status: { status: options.status ?? 'DISCOVER_STATUS_SUCCESS', error: options.error ?? '' },
  };
  if (step.number !== 17) event['resource'] = { resource: options.resource ?? 'DISCOVER_RESOURCE_SERVER' };
  if (step.number === 21) Object.assign(event, { deployMethod: 'DEPLOY_METHOD_AUTO', deployType: 'DEPLOY_TYPE_INSTALL_SCRIPT' });
  if (step.number === 26) event['resourcesCount'] = '4';
  if (step.number === 41) event['selectedResourcesCount'] = '2';
  if (step.number === 83) event['configMethod'] = 'CONFIG_METHOD_AWS_EC2_SSM';
  return { clusterName: anon('prod-cluster'), timestamp: options.timestamp ?? new Date().toISOString(), teleportVersion: '17.0.1', [step.member]: event };
}

export const discoverStep = (label: string): DiscoverStep => {
  const step = DISCOVER_STEPS.find((candidate) => candidate.label === label || candidate.posthogName === label);
  if (step === undefined) throw new Error(`no step ${label}`);
  return step;
};
