/**
 * Teleport Connect usage events in both vocabularies: the wire (Teleport's
 * prehog.v1alpha.ConnectReportingService and our tbotanalytics.connect.v1 ConnectExtraReportingService,
 * in ProtoJSON) and the product-metrics names PostHog and the reports use (`connect.cluster.login`
 * with snake_case properties). One table per oneof member says which fields are sensitive, so the
 * sender's anonymizer, the collector's gate and the PostHog mapping read the same declaration.
 * Nothing here depends on the agent or the collector.
 */
import type { SensitiveFields } from './anonymized.js';

export const SUBMIT_CONNECT_EVENT_PATH = '/prehog.v1alpha.ConnectReportingService/SubmitConnectEvent';
export const SUBMIT_CONNECT_EXTRA_EVENT_PATH = '/tbotanalytics.connect.v1.ConnectExtraReportingService/SubmitConnectExtraEvent';
export const SUBMIT_CONNECT_EXTRA_EVENTS_PATH = '/tbotanalytics.connect.v1.ConnectExtraReportingService/SubmitConnectExtraEvents';

export const CONNECT_REQUEST = 'prehog.v1alpha.SubmitConnectEventRequest';
export const CONNECT_EXTRA_REQUEST = 'tbotanalytics.connect.v1.SubmitConnectExtraEventRequest';
export const CONNECT_EXTRA_BATCH = 'tbotanalytics.connect.v1.SubmitConnectExtraEventsRequest';

/** The batch method's limit, the same as TeleportReportingService.SubmitEvents. */
export const MAX_CONNECT_EXTRA_BATCH = 500;

export interface ConnectEventSpec {
  /** The oneof member's ProtoJSON name: the key the event sits under in the request. */
  readonly member: string;
  /** Which service carries it: Teleport's contract, or ours for what Teleport's lacks. */
  readonly contract: 'prehog' | 'extra';
  readonly posthogName: string;
  /** Fields of the event message (ProtoJSON names) that carry the anonymizer's output. */
  readonly sensitive: SensitiveFields;
  /** Property names that differ from the proto field name (snake_case) they come from. */
  readonly renamed?: Readonly<Record<string, string>>;
}

const PREHOG_NAMES: SensitiveFields = { clusterName: 'required', userName: 'required' };
const ROOT: SensitiveFields = { rootClusterName: 'required' };
const ROOT_AND_LEAF: SensitiveFields = { rootClusterName: 'required', leafClusterName: 'optional' };

/** Every Connect event either service accepts, by oneof member. */
export const CONNECT_EVENTS: readonly ConnectEventSpec[] = [
  // prehog.v1alpha.SubmitConnectEventRequest
  { member: 'clusterLogin', contract: 'prehog', posthogName: 'connect.cluster.login', sensitive: PREHOG_NAMES, renamed: { appVersion: 'connect_version' } },
  { member: 'protocolUse', contract: 'prehog', posthogName: 'connect.protocol.use', sensitive: PREHOG_NAMES },
  { member: 'accessRequestCreate', contract: 'prehog', posthogName: 'connect.accessRequests.create', sensitive: PREHOG_NAMES },
  { member: 'accessRequestReview', contract: 'prehog', posthogName: 'connect.accessRequests.review', sensitive: PREHOG_NAMES },
  { member: 'accessRequestAssumeRole', contract: 'prehog', posthogName: 'connect.accessRequests.assumeRole', sensitive: PREHOG_NAMES },
  { member: 'fileTransferRun', contract: 'prehog', posthogName: 'connect.fileTransfer.run', sensitive: PREHOG_NAMES },
  { member: 'userJobRoleUpdate', contract: 'prehog', posthogName: 'connect.user.jobRole.update', sensitive: {} },
  // Property names as the Connect My Computer RFD gives them.
  {
    member: 'connectMyComputerSetup',
    contract: 'prehog',
    posthogName: 'connect.connectMyComputer.setup',
    sensitive: PREHOG_NAMES,
    renamed: { clusterName: 'tp.cluster_name', userName: 'tp.user_name', success: 'connect.setup.success', failedStep: 'connect.setup.failed_step' },
  },
  {
    member: 'connectMyComputerAgentStart',
    contract: 'prehog',
    posthogName: 'connect.connectMyComputer.agentStart',
    sensitive: PREHOG_NAMES,
    renamed: { clusterName: 'tp.cluster_name', userName: 'tp.user_name' },
  },
  // tbotanalytics.connect.v1.SubmitConnectExtraEventRequest
  { member: 'start', contract: 'extra', posthogName: 'connect.start', sensitive: {} },
  { member: 'clusterAdd', contract: 'extra', posthogName: 'connect.cluster.add', sensitive: ROOT },
  { member: 'workspaceChange', contract: 'extra', posthogName: 'connect.workspace.change', sensitive: ROOT },
  { member: 'leafClusterPickerChange', contract: 'extra', posthogName: 'connect.leafClusterPicker.change', sensitive: ROOT_AND_LEAF },
  { member: 'tabOpen', contract: 'extra', posthogName: 'connect.tab.open', sensitive: ROOT_AND_LEAF },
  { member: 'connectionsPickerItemSelect', contract: 'extra', posthogName: 'connect.connectionsPicker.item.select', sensitive: ROOT_AND_LEAF },
  { member: 'commandBarCommandRun', contract: 'extra', posthogName: 'connect.commandBar.command.run', sensitive: ROOT_AND_LEAF },
  { member: 'commandBarAutocompleteSelect', contract: 'extra', posthogName: 'connect.commandBar.autocomplete.select', sensitive: ROOT_AND_LEAF },
  { member: 'resourceTableSearch', contract: 'extra', posthogName: 'connect.resourceTable.search', sensitive: ROOT_AND_LEAF },
  { member: 'accessRequestsCreate', contract: 'extra', posthogName: 'connect.accessRequests.create', sensitive: ROOT },
  { member: 'dbProxyRunCli', contract: 'extra', posthogName: 'connect.dbProxy.runCli', sensitive: ROOT_AND_LEAF },
];

const BY_MEMBER = new Map(CONNECT_EVENTS.map((spec) => [spec.member, spec]));

export const connectEventSpec = (member: string): ConnectEventSpec | undefined => BY_MEMBER.get(member);

export type ConnectPropertyValue = string | number | boolean;

/** A stored Connect request (either service), canonical ProtoJSON with the timestamp filled in. */
export interface StoredConnectRequest {
  distinctId: string;
  timestamp: string;
  [member: string]: unknown;
}

/** The oneof member a stored request carries, with its spec and event body. */
export function connectEventOf(request: Record<string, unknown>): { spec: ConnectEventSpec; event: Record<string, ConnectPropertyValue> } | undefined {
  for (const key in request) {
    if (key === 'distinctId' || key === 'timestamp') continue;
    const spec = BY_MEMBER.get(key);
    const event = request[key];
    if (spec !== undefined && event !== null && typeof event === 'object') return { spec, event: event as Record<string, ConnectPropertyValue> };
  }
  return undefined;
}

export const snakeCase = (jsonName: string): string => jsonName.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * The event's fields as product-metrics properties: snake_case proto names (with the renames the
 * design asks for), plus `direction` for file transfers, which the design names that way.
 */
export function connectProperties(spec: ConnectEventSpec, event: Record<string, ConnectPropertyValue>): Record<string, ConnectPropertyValue> {
  const properties: Record<string, ConnectPropertyValue> = {};
  for (const [key, value] of Object.entries(event)) properties[spec.renamed?.[key] ?? snakeCase(key)] = value;
  if (spec.member === 'fileTransferRun') properties['direction'] = event['isUpload'] === true ? 'upload' : 'download';
  return properties;
}
