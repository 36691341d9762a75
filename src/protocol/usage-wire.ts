/**
 * prehog.v1.TeleportReportingService/SubmitUsageReports, Teleport's billing channel: the report
 * kinds, their PostHog names (from the contract's comments) and the shape a report is stored in.
 * Nothing here depends on the collector.
 */
export const SUBMIT_USAGE_REPORTS_PATH = '/prehog.v1.TeleportReportingService/SubmitUsageReports';
export const USAGE_REQUEST = 'prehog.v1.SubmitUsageReportsRequest';
export const USAGE_RESPONSE = 'prehog.v1.SubmitUsageReportsResponse';

/** The real service's limits: reports per call, and the size of one report (binary). */
export const MAX_REPORTS_PER_CALL = 10;
export const MAX_REPORT_BYTES = 128 * 1024;

export type UsageKind = 'user_activity' | 'resource_presence' | 'bot_instance_activity' | 'identity_security_summaries_generated' | 'identity_security_usage';

export interface UsageReportKind {
  kind: UsageKind;
  /** The request's repeated field (ProtoJSON name) and its number. */
  field: string;
  number: number;
  reportType: string;
  posthogName: string;
  /**
   * The record list and the anonymized field that keys `tp.records`, when the kind has records;
   * `qualifier` is a second field the key also names (one record per resource and session type).
   */
  records?: { field: string; key: string; qualifier?: string };
  /** Closed string fields of the report's lists (proto names): a value outside is stored as `other`. */
  closed?: readonly ClosedListField[];
  /** String fields that must hold an anonymized name as base64 text (the contract's way for resource names). */
  anonymizedText?: readonly ListedField[];
}

/** A field of each record of a report's list, or with `within`, of each element of a list inside each record (proto names). */
export interface ListedField {
  list: string;
  within?: string;
  field: string;
}

export interface ClosedListField extends ListedField {
  values: readonly string[];
}

/**
 * Each element a ListedField names, with where it is (`records[2].`, or
 * `records[2].session_summaries_accessed[0].`); elements that are not objects are passed over.
 * `key` spells a proto field name as the object holds it: as is in stored JSON, a decoded
 * message's property name (its localName) at ingest.
 */
export function* listedElements(report: Record<string, unknown>, path: ListedField, key: (name: string) => string = (name) => name): Generator<[Record<string, unknown>, string]> {
  const records = report[key(path.list)];
  if (!Array.isArray(records)) return;
  for (let index = 0; index < records.length; index += 1) {
    const record = records[index] as unknown;
    if (typeof record !== 'object' || record === null) continue;
    const at = `${path.list}[${index}].`;
    if (path.within === undefined) {
      yield [record as Record<string, unknown>, at];
      continue;
    }
    const inner = (record as Record<string, unknown>)[key(path.within)];
    if (!Array.isArray(inner)) continue;
    for (let position = 0; position < inner.length; position += 1) {
      const element = inner[position] as unknown;
      if (typeof element === 'object' && element !== null) yield [element as Record<string, unknown>, `${at}${path.within}[${position}].`];
    }
  }
}

/** Teleport's session kinds (api/types SessionKind), and its unknown kind, the empty string. */
export const SESSION_TYPES: readonly string[] = ['ssh', 'k8s', 'db', 'app', 'desktop', ''];
/** The providers whose graphs Identity Security sizes, as the contract's comment lists them. */
export const GRAPH_PROVIDERS: readonly string[] = ['teleport', 'aws', 'azure', 'entra', 'gitlab', 'github', 'netiq', 'okta'];
/** The providers whose audit logs Identity Security ingests, as the contract's comment lists them. */
export const AUDIT_LOG_PROVIDERS: readonly string[] = ['teleport', 'cloudtrail', 'kubernetes', 'github', 'okta'];

/** Every kind of the contract, by request field; a request field beyond these is refused (`unimplemented`), never half-read. */
export const USAGE_REPORT_KINDS: readonly UsageReportKind[] = [
  {
    kind: 'user_activity',
    field: 'userActivity',
    number: 1,
    reportType: 'prehog.v1.UserActivityReport',
    posthogName: 'tp.user.activity',
    records: { field: 'records', key: 'user_name' },
    // A user's session summaries (field 25) name resources as a summaries report does.
    closed: [{ list: 'records', within: 'session_summaries_accessed', field: 'session_type', values: SESSION_TYPES }],
    anonymizedText: [{ list: 'records', within: 'session_summaries_accessed', field: 'resource_name' }],
  },
  { kind: 'resource_presence', field: 'resourcePresence', number: 2, reportType: 'prehog.v1.ResourcePresenceReport', posthogName: 'tp.resource.counts' },
  {
    kind: 'bot_instance_activity',
    field: 'botInstanceActivity',
    number: 3,
    reportType: 'prehog.v1.BotInstanceActivityReport',
    posthogName: 'tp.bot_instance.activity',
    records: { field: 'records', key: 'bot_instance_id' },
  },
  {
    kind: 'identity_security_summaries_generated',
    field: 'identitySecuritySummariesReport',
    number: 4,
    reportType: 'prehog.v1.IdentitySecuritySummariesGeneratedReport',
    posthogName: 'tp.identity_security.summaries_generated',
    records: { field: 'records', key: 'resource_name', qualifier: 'session_type' },
    closed: [{ list: 'records', field: 'session_type', values: SESSION_TYPES }],
    anonymizedText: [{ list: 'records', field: 'resource_name' }],
  },
  {
    kind: 'identity_security_usage',
    field: 'identitySecurityReport',
    number: 5,
    reportType: 'prehog.v1.IdentitySecurityReport',
    posthogName: 'tp.identity_security.usage',
    closed: [
      { list: 'graph_size_records', field: 'provider', values: GRAPH_PROVIDERS },
      { list: 'audit_log_records', field: 'provider', values: AUDIT_LOG_PROVIDERS },
    ],
  },
];

export const usageKind = (kind: string): UsageReportKind | undefined => USAGE_REPORT_KINDS.find((entry) => entry.kind === kind);

/**
 * A stored `usage` record: one report. The tenant (known to the vendor by design: that is how
 * billing works) is a field of its own, never mixed with the anonymized ones. A billing report
 * folds exactly this shape; it is documented in docs/product-usage.md.
 */
export interface StoredUsageReport {
  tenant: string;
  kind: UsageKind;
  /** 8-4-4-4-12. */
  report_uuid: string;
  /** base64 of the 32 anonymized bytes. */
  cluster_name: string;
  /** base64 of the 32 anonymized bytes. */
  reporter_hostid: string;
  /** RFC 3339 UTC with milliseconds. */
  start_time: string;
  /** The report in proto3 JSON with proto field names: bytes base64, 64-bit integers as strings, enums by name (by number when unknown). */
  report: Record<string, unknown>;
}

/** 16 bytes in UUID string order → 8-4-4-4-12. */
export function uuidText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Enum values as the contracts' comments spell them in PostHog (prehog.v1 and v1alpha share the
 * names): user kinds and resource kinds. Other enums go out by name.
 */
export const POSTHOG_ENUM_VALUES: Readonly<Record<string, string>> = {
  USER_KIND_UNSPECIFIED: '',
  USER_KIND_HUMAN: 'human',
  USER_KIND_BOT: 'bot',
  USER_KIND_SYSTEM: 'system',
  RESOURCE_KIND_NODE: 'node',
  RESOURCE_KIND_APP_SERVER: 'app_server',
  RESOURCE_KIND_KUBE_SERVER: 'kube_server',
  RESOURCE_KIND_DB_SERVER: 'db_server',
  RESOURCE_KIND_WINDOWS_DESKTOP: 'windows_desktop',
  RESOURCE_KIND_NODE_OPENSSH: 'node.openssh',
  RESOURCE_KIND_NODE_OPENSSH_EICE: 'node.openssh_ec2_ice',
};
