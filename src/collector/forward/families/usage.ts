/**
 * Usage reports as the contract's comments name them: one PostHog event per report
 * (`tp.user.activity`, `tp.resource.counts`, `tp.bot_instance.activity`,
 * `tp.identity_security.summaries_generated`, `tp.identity_security.usage`), the window's start as
 * the event's time, `tp.report_time` when the collector received it, `tp.report_uuid` in
 * 8-4-4-4-12 form, the anonymized `tp.cluster_name` and `tp.reporter_hostid` in base64,
 * `tp.records` as a map keyed by the record's anonymized name (base64; for summaries, the name and
 * the session type, as `<name>:<session type>`), and the tenant as a PostHog group. The contract
 * names no properties for tp.resource.counts and tp.identity_security.usage; ours are
 * `tp.resource_counts`, and `tp.graph_size_records` / `tp.audit_log_records` under the report's own
 * field names. What was read back from disk is checked again before it leaves. The store leaves a
 * report's zero values out; they are written back here, so every record carries every field.
 */
import { isAnonymized } from '../../../protocol/anonymized.js';
import { messageSchema } from '../../../protocol/descriptors.js';
import { withImplicitDefaults } from '../../../protocol/proto-json-defaults.js';
import { POSTHOG_ENUM_VALUES, usageKind, type StoredUsageReport } from '../../../protocol/usage-wire.js';
import { UUID_TEXT } from '../../../text/canonical-text.js';
import { InvalidRecordError, type StoredRecord } from '../../store/record.js';
import type { FamilyEvent, PostHogProperties, PostHogValue } from '../posthog-types.js';

/** A counter (uint64, a JSON string) as a number; an enum by its PostHog value; the rest as stored. */
function value(field: string, raw: unknown): PostHogValue {
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return Number(raw);
  if (typeof raw === 'string' && raw in POSTHOG_ENUM_VALUES) return POSTHOG_ENUM_VALUES[raw]!;
  if (Array.isArray(raw)) return raw.map((element) => value(field, element));
  if (typeof raw === 'object' && raw !== null) return Object.fromEntries(Object.entries(raw).map(([key, inner]) => [key, value(key, inner)]));
  return raw as PostHogValue;
}

function requireAnonymized(text: unknown, what: string): string {
  if (typeof text !== 'string' || !isAnonymized(text)) throw new InvalidRecordError(`stored usage report: ${what} is not an anonymized value`);
  return text;
}

/** Records keyed by their anonymized name (and qualifier), the fields of the key left out of the value. */
function recordMap(records: unknown, key: string, qualifier?: string): Record<string, PostHogValue> {
  if (!Array.isArray(records)) throw new InvalidRecordError('stored usage report: records is not a list');
  const map: Record<string, PostHogValue> = {};
  for (const record of records as Record<string, unknown>[]) {
    const name = requireAnonymized(record[key], key);
    // The qualifier is a closed vocabulary (re-checked on the way out); base64 never holds ':'.
    map[qualifier === undefined ? name : `${name}:${String(record[qualifier] ?? '')}`] = Object.fromEntries(
      Object.entries(record).flatMap(([field, raw]) => (field === key || field === qualifier ? [] : [[field, value(field, raw)]])),
    );
  }
  return map;
}

/** Active resources per kind (ours: the contract names the event, not its properties). */
function resourceCounts(reports: unknown): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const report of (Array.isArray(reports) ? reports : []) as { resource_kind?: unknown; resource_ids?: unknown }[]) {
    const kind = String(value('resource_kind', report.resource_kind));
    counts[kind] = (counts[kind] ?? 0) + (Array.isArray(report.resource_ids) ? report.resource_ids.length : 0);
  }
  return counts;
}

export function usageToPostHog(stored: StoredRecord): FamilyEvent {
  const report = stored.event as StoredUsageReport;
  const kind = usageKind(report.kind);
  if (kind === undefined) throw new InvalidRecordError(`stored usage report of a kind this collector cannot send: ${JSON.stringify(report.kind)}`);
  if (typeof report.tenant !== 'string' || report.tenant === '') throw new InvalidRecordError('stored usage report without its tenant');
  if (!UUID_TEXT.test(report.report_uuid)) throw new InvalidRecordError('stored usage report: report_uuid is not 8-4-4-4-12');
  if (Number.isNaN(Date.parse(report.start_time))) throw new InvalidRecordError('stored usage report: start_time is not a time');
  const properties: PostHogProperties = {
    'tp.report_uuid': report.report_uuid,
    'tp.cluster_name': requireAnonymized(report.cluster_name, 'cluster_name'),
    'tp.reporter_hostid': requireAnonymized(report.reporter_hostid, 'reporter_hostid'),
    'tp.report_time': new Date(stored.received_at).toISOString(),
    $groups: { tenant: report.tenant },
    $process_person_profile: false,
  };
  if (typeof report.report !== 'object' || report.report === null || Array.isArray(report.report)) throw new InvalidRecordError('stored usage report: report is not an object');
  const body = withImplicitDefaults(messageSchema(kind.reportType), report.report);
  if (kind.records !== undefined) properties['tp.records'] = recordMap(body[kind.records.field], kind.records.key, kind.records.qualifier);
  else if (kind.kind === 'resource_presence') properties['tp.resource_counts'] = resourceCounts(body['resource_kind_reports']);
  else for (const list of ['graph_size_records', 'audit_log_records']) properties[`tp.${list}`] = value(list, body[list] ?? []);
  return { event: kind.posthogName, distinct_id: report.cluster_name, timestamp: new Date(report.start_time).toISOString(), properties };
}
