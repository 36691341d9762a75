/**
 * A closed window becomes one or more prehog.v1 reports in ProtoJSON (what the Connect protocol's
 * JSON codec sends): every name anonymized with the cluster's HMAC, each report named by a fresh
 * random UUID (the one it keeps through every retry), and split so that no report exceeds the
 * real service's 128 KiB. As Teleport does: a user activity window's records are halved until a
 * report fits; resources are packed kind by kind, a kind too large for one report split in
 * halves. Resource ids are the first 8 bytes of the resource name's HMAC, read little-endian.
 */
import { MAX_REPORT_BYTES, type UsageKind } from '../protocol/usage-wire.js';
import type { Anonymizer } from './anonymizer.js';
import { BOT_INSTANCE_COUNTERS, type ClosedWindow, USER_COUNTERS } from './usage-aggregator.js';

/** A report ready to spool and send: its kind, identity, window start and ProtoJSON body. */
export interface UsageReportEntry {
  kind: Extract<UsageKind, 'user_activity' | 'resource_presence' | 'bot_instance_activity'>;
  /** 8-4-4-4-12, lower case. */
  uuid: string;
  /** The window's start, in ms. */
  start: number;
  report: Record<string, unknown>;
}

export interface ReportIdentity {
  /** The anonymized cluster name (base64 of 32 bytes). */
  clusterName: string;
  /** The anonymized host id of this auth server (base64 of 32 bytes). */
  reporterHostid: string;
}

export class ReportTooLargeError extends Error {
  override name = 'ReportTooLargeError';
}

/**
 * An upper bound of a report's size in protobuf binary, which is what the service limits: its
 * ProtoJSON is never smaller (names are longer than tags, base64 longer than bytes, decimal
 * uint64 text at least as long as a varint) except for a fixed64 id, which binary always spends
 * 8 bytes on and JSON as few as 3: hence 8 more per id.
 */
export function reportSizeBound(report: Record<string, unknown>): number {
  let ids = 0;
  for (const kindReport of (report['resourceKindReports'] as { resourceIds: string[] }[] | undefined) ?? []) ids += kindReport.resourceIds.length;
  return Buffer.byteLength(JSON.stringify(report)) + 8 * ids;
}

export const uuidToBase64 = (uuid: string): string => Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64');
/** RFC 3339 as ProtoJSON writes a Timestamp: UTC, no fraction when there is none. */
export const protoTimestamp = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The resource id Teleport sends: the HMAC's first 8 bytes as a little-endian uint64, in decimal. */
export function resourceId(anonymizedName: string): string {
  return Buffer.from(anonymizedName, 'base64').readBigUInt64LE(0).toString();
}

/** Only non-zero counters: ProtoJSON leaves out a field at its default. */
function counters(values: Partial<Record<string, number>>, order: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of order) {
    const value = values[name];
    if (value !== undefined && value > 0) out[camel(name)] = String(value);
  }
  return out;
}

const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

export interface BuildDeps {
  anonymizer: Anonymizer;
  randomUUID: () => string;
  /** The largest report (default the service's 128 KiB); smaller in tests. */
  maxReportBytes?: number;
}

export function buildReports(window: ClosedWindow, identity: ReportIdentity, deps: BuildDeps): UsageReportEntry[] {
  const max = deps.maxReportBytes ?? MAX_REPORT_BYTES;
  const start = window.start.getTime();
  const base = (): { uuid: string; head: Record<string, unknown> } => {
    const uuid = deps.randomUUID().toLowerCase();
    return {
      uuid,
      head: { reportUuid: uuidToBase64(uuid), clusterName: identity.clusterName, reporterHostid: identity.reporterHostid, startTime: protoTimestamp(start) },
    };
  };
  const anonymize = (value: string): string => deps.anonymizer.anonymize(value);

  if (window.kind === 'resource_presence') {
    const kinds = [...window.resources].map(([kind, names]) => ({ resourceKind: kind, resourceIds: [...names].map((name) => resourceId(anonymize(name))) }));
    return packResources(kinds, base, max).map(({ uuid, report }) => ({ kind: window.kind, uuid, start, report }));
  }
  const records: Record<string, unknown>[] =
    window.kind === 'user_activity'
      ? [...window.users].map(([user, tally]) => ({
          userName: anonymize(user),
          userKind: tally.kind,
          ...counters(tally.counters, USER_COUNTERS),
          ...(tally.spiffeIds.size === 0 ? {} : { spiffeIdsIssued: [...tally.spiffeIds].map(([id, count]) => ({ spiffeId: anonymize(id), svidsIssued: count })) }),
        }))
      : [...window.instances.values()].map((tally) => ({
          botInstanceId: anonymize(tally.instanceId),
          botUserName: anonymize(tally.botUser),
          ...counters(tally.counters, BOT_INSTANCE_COUNTERS),
        }));
  const entries: UsageReportEntry[] = [];
  let rest = records;
  while (rest.length > 0) {
    const { uuid, head } = base();
    let take = rest.length;
    let report = { ...head, records: rest };
    while (reportSizeBound(report) > max) {
      if (take <= 1) throw new ReportTooLargeError(`one ${window.kind} record is larger than ${max} bytes`);
      take = Math.floor(take / 2);
      report = { ...head, records: rest.slice(0, take) };
    }
    entries.push({ kind: window.kind, uuid, start, report });
    rest = rest.slice(take);
  }
  return entries;
}

type KindReport = { resourceKind: string; resourceIds: string[] };

function packResources(kinds: KindReport[], base: () => { uuid: string; head: Record<string, unknown> }, max: number): { uuid: string; report: Record<string, unknown> }[] {
  const out: { uuid: string; report: Record<string, unknown> }[] = [];
  let pending = kinds;
  while (pending.length > 0) {
    const { uuid, head } = base();
    const whole = { ...head, resourceKindReports: pending };
    if (reportSizeBound(whole) <= max) {
      out.push({ uuid, report: whole });
      break;
    }
    // As many whole kinds as fit; the others wait for the next report.
    const fitted: KindReport[] = [];
    const unfit: KindReport[] = [];
    for (const kind of pending) {
      if (reportSizeBound({ ...head, resourceKindReports: [...fitted, kind] }) <= max) fitted.push(kind);
      else unfit.push(kind);
    }
    if (fitted.length > 0) {
      out.push({ uuid, report: { ...head, resourceKindReports: fitted } });
      pending = unfit;
      continue;
    }
    // Not one kind fits whole: the first is split, its head halved until it fits.
    const [first, ...others] = unfit as [KindReport, ...KindReport[]];
    let take = Math.floor(first.resourceIds.length / 2);
    while (take > 0 && reportSizeBound({ ...head, resourceKindReports: [{ resourceKind: first.resourceKind, resourceIds: first.resourceIds.slice(0, take) }] }) > max)
      take = Math.floor(take / 2);
    if (take === 0) throw new ReportTooLargeError(`a resource report cannot fit one id in ${max} bytes`);
    out.push({ uuid, report: { ...head, resourceKindReports: [{ resourceKind: first.resourceKind, resourceIds: first.resourceIds.slice(0, take) }] } });
    pending = [{ resourceKind: first.resourceKind, resourceIds: first.resourceIds.slice(take) }, ...others];
  }
  return out;
}
