/**
 * Teleport Discover wizard events in both vocabularies: the wire (the UIDiscover* members of
 * prehog.v1alpha.TeleportReportingService's SubmitEventRequest, in ProtoJSON) and RFD 0094's
 * PostHog names (`tp.ui.discover.*`, `tp.discover.*` properties). The step table is in wizard
 * order, which is the order reports lay funnels out in. Nothing here depends on the collector.
 */
import type { SensitiveFields } from './anonymized.js';

export const SUBMIT_EVENT_PATH = '/prehog.v1alpha.TeleportReportingService/SubmitEvent';
export const SUBMIT_EVENTS_PATH = '/prehog.v1alpha.TeleportReportingService/SubmitEvents';

export const DISCOVER_REQUEST = 'prehog.v1alpha.SubmitEventRequest';
export const DISCOVER_BATCH = 'prehog.v1alpha.SubmitEventsRequest';

/** Teleport's documented limit for one SubmitEvents call. */
export const MAX_DISCOVER_BATCH = 500;

/** Request-level fields of SubmitEventRequest that are not oneof members. */
export const DISCOVER_REQUEST_FIELDS = { clusterName: 1, timestamp: 2, teleportVersion: 95 } as const;

/** Sensitive fields of the request itself, and of every Discover event (via its metadata). */
export const DISCOVER_REQUEST_SENSITIVE: SensitiveFields = { clusterName: 'required' };
/** RFD 0094's own example metadata carries only the run id: an empty user name means "not reported". */
export const DISCOVER_EVENT_SENSITIVE: SensitiveFields = { 'metadata.userName': 'optional' };

export interface DiscoverStep {
  /** The oneof member's field number in Teleport's SubmitEventRequest. */
  readonly number: number;
  /** The member's ProtoJSON name: the key the event sits under in the request. */
  readonly member: string;
  readonly posthogName: string;
  /** A short label for reports. */
  readonly label: string;
  /** Where the PostHog name comes from: RFD 0094, Teleport's web event constants, or us. */
  readonly source: 'rfd-0094' | 'web-constant' | 'ours';
}

/** Every UIDiscover* member, in the order a wizard run passes through them. */
export const DISCOVER_STEPS: readonly DiscoverStep[] = [
  { number: 17, member: 'uiDiscoverStartedEvent', posthogName: 'tp.ui.discover.started', label: 'started', source: 'rfd-0094' },
  { number: 18, member: 'uiDiscoverResourceSelectionEvent', posthogName: 'tp.ui.discover.resourceSelection', label: 'resource selection', source: 'rfd-0094' },
  {
    number: 40,
    member: 'uiDiscoverIntegrationAwsOidcConnectEvent',
    posthogName: 'tp.ui.discover.integration.awsoidc.connect',
    label: 'AWS OIDC integration',
    source: 'web-constant',
  },
  { number: 41, member: 'uiDiscoverDatabaseRdsEnrollEvent', posthogName: 'tp.ui.discover.database.enroll.rds', label: 'enroll RDS', source: 'web-constant' },
  { number: 84, member: 'uiDiscoverKubeEksEnrollEvent', posthogName: 'tp.ui.discover.kube.enroll.eks', label: 'enroll EKS', source: 'web-constant' },
  { number: 65, member: 'uiDiscoverEc2InstanceSelection', posthogName: 'tp.ui.discover.ec2InstanceSelection', label: 'EC2 instance selection', source: 'ours' },
  { number: 66, member: 'uiDiscoverDeployEice', posthogName: 'tp.ui.discover.deployEICE', label: 'deploy EICE', source: 'ours' },
  { number: 67, member: 'uiDiscoverCreateNode', posthogName: 'tp.ui.discover.createNode', label: 'create node', source: 'ours' },
  { number: 85, member: 'uiDiscoverCreateAppServerEvent', posthogName: 'tp.ui.discover.createAppServer', label: 'create app server', source: 'web-constant' },
  { number: 83, member: 'uiDiscoverCreateDiscoveryConfig', posthogName: 'tp.ui.discover.createDiscoveryConfig', label: 'create discovery config', source: 'web-constant' },
  { number: 22, member: 'uiDiscoverDatabaseRegisterEvent', posthogName: 'tp.ui.discover.database.register', label: 'register database', source: 'rfd-0094' },
  { number: 21, member: 'uiDiscoverDeployServiceEvent', posthogName: 'tp.ui.discover.deployService', label: 'deploy agent', source: 'rfd-0094' },
  { number: 23, member: 'uiDiscoverDatabaseConfigureMtlsEvent', posthogName: 'tp.ui.discover.database.configure.mtls', label: 'configure mTLS', source: 'rfd-0094' },
  {
    number: 24,
    member: 'uiDiscoverDesktopActiveDirectoryToolsInstallEvent',
    posthogName: 'tp.ui.discover.desktop.activeDirectory.tools.install',
    label: 'install AD tools',
    source: 'rfd-0094',
  },
  {
    number: 25,
    member: 'uiDiscoverDesktopActiveDirectoryConfigureEvent',
    posthogName: 'tp.ui.discover.desktop.activeDirectory.configure',
    label: 'configure AD',
    source: 'rfd-0094',
  },
  { number: 26, member: 'uiDiscoverAutoDiscoveredResourcesEvent', posthogName: 'tp.ui.discover.autoDiscoveredResources', label: 'auto-discovered resources', source: 'rfd-0094' },
  {
    number: 27,
    member: 'uiDiscoverDatabaseConfigureIamPolicyEvent',
    posthogName: 'tp.ui.discover.database.configure.iampolicy',
    label: 'configure IAM policy',
    source: 'rfd-0094',
  },
  { number: 28, member: 'uiDiscoverPrincipalsConfigureEvent', posthogName: 'tp.ui.discover.principals.configure', label: 'set up access', source: 'rfd-0094' },
  { number: 29, member: 'uiDiscoverTestConnectionEvent', posthogName: 'tp.ui.discover.testConnection', label: 'test connection', source: 'rfd-0094' },
  { number: 30, member: 'uiDiscoverCompletedEvent', posthogName: 'tp.ui.discover.completed', label: 'completed', source: 'rfd-0094' },
];

export const STARTED_STEP = 0;
export const COMPLETED_STEP = DISCOVER_STEPS.length - 1;

const STEP_INDEX = new Map(DISCOVER_STEPS.map((step, index) => [step.member, index]));
const DISCOVER_NUMBERS = new Set(DISCOVER_STEPS.map((step) => step.number));

/** The step's position in wizard order, or undefined when `member` is not a Discover member. */
export const discoverStepIndex = (member: string): number | undefined => STEP_INDEX.get(member);

/**
 * Whether a field number of SubmitEventRequest we have no declaration for can be a oneof member
 * of Teleport's (a non-Discover event). Teleport keeps appending members, so every number from 3
 * up is one except the request's own teleport_version; 8 is reserved (retired), so never a
 * member. Only length-delimited fields (wire type 2) can be a message.
 */
export const isOtherEventField = (number: number, wireType: number): boolean =>
  wireType === 2 && number >= 3 && number !== 8 && number !== DISCOVER_REQUEST_FIELDS.teleportVersion && !DISCOVER_NUMBERS.has(number);

export const DISCOVER_STATUSES = ['DISCOVER_STATUS_UNSPECIFIED', 'DISCOVER_STATUS_SUCCESS', 'DISCOVER_STATUS_SKIPPED', 'DISCOVER_STATUS_ERROR', 'DISCOVER_STATUS_ABORTED'] as const;
export type DiscoverStatusName = (typeof DISCOVER_STATUSES)[number];

/** A step counts as passed when it succeeded or was skipped (nothing to do). */
export const isPassed = (status: string): boolean => status === 'DISCOVER_STATUS_SUCCESS' || status === 'DISCOVER_STATUS_SKIPPED';

/** The status of a stored event: the wire's, plus the class the collector sorted its error into. */
export interface StoredDiscoverStatus {
  status: DiscoverStatusName;
  /** The UI's error text if it passed the screen, else the fixed marker `redacted`. */
  error: string;
  /** Added at the door for every event: a class from ERROR_CLASSES ('none' without error). */
  errorClass?: string;
}

export interface StoredDiscoverEvent {
  metadata: { id: string; userName: string; sso: boolean };
  resource?: { resource: string };
  status: StoredDiscoverStatus;
  [extra: string]: unknown;
}

/** A stored SubmitEventRequest: canonical ProtoJSON, one Discover member, the timestamp filled in. */
export interface StoredDiscoverRequest {
  clusterName: string;
  timestamp: string;
  teleportVersion: string;
  [member: string]: unknown;
}

/** The Discover member a stored request carries, with its step. */
export function discoverEventOf(request: Record<string, unknown>): { step: DiscoverStep; index: number; event: StoredDiscoverEvent } | undefined {
  for (const key in request) {
    const index = STEP_INDEX.get(key);
    const event = request[key];
    if (index !== undefined && event !== null && typeof event === 'object') return { step: DISCOVER_STEPS[index]!, index, event: event as StoredDiscoverEvent };
  }
  return undefined;
}

/**
 * PostHog property names (RFD 0094 where it names them; ours, in the same scheme, where not), by
 * the event field they come from.
 */
export const DISCOVER_PROPERTIES = {
  clusterName: 'tp.cluster_name',
  teleportVersion: 'tp.teleport_version',
  userName: 'tp.user_name',
  id: 'tp.discover.metadata.id',
  sso: 'tp.discover.metadata.sso',
  resource: 'tp.discover.resource.name',
  status: 'tp.discover.step.status',
  error: 'tp.discover.step.error',
  errorClass: 'tp.discover.step.error_class',
  resourcesCount: 'tp.discover.auto_discovered.count',
  selectedResourcesCount: 'tp.discover.selected_resources.count',
  deployMethod: 'tp.discover.deploy.method',
  deployType: 'tp.discover.deploy.type',
  configMethod: 'tp.discover.config.method',
} as const;
