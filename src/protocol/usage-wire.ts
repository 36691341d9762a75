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
  /** The record list and the anonymized field that keys `tp.records`, when the kind has records. */
  records?: { field: string; key: string };
}

/**
 * The kinds this collector declares. Teleport's two identity-security kinds
 * (identity_security_summaries_generated, identity_security_usage; request fields 4 and 5) are in
 * the stored shape's vocabulary, but their messages are not in our reference copy of the
 * contract: a request carrying them is refused (`unimplemented`), never half-read.
 */
export const USAGE_REPORT_KINDS: readonly UsageReportKind[] = [
  {
    kind: 'user_activity',
    field: 'userActivity',
    number: 1,
    reportType: 'prehog.v1.UserActivityReport',
    posthogName: 'tp.user.activity',
    records: { field: 'records', key: 'user_name' },
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
  RESOURCE_KIND_NODE: 'node',
  RESOURCE_KIND_APP_SERVER: 'app_server',
  RESOURCE_KIND_KUBE_SERVER: 'kube_server',
  RESOURCE_KIND_DB_SERVER: 'db_server',
  RESOURCE_KIND_WINDOWS_DESKTOP: 'windows_desktop',
  RESOURCE_KIND_NODE_OPENSSH: 'node.openssh',
  RESOURCE_KIND_NODE_OPENSSH_EICE: 'node.openssh_ec2_ice',
};
