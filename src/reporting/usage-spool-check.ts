/**
 * A spooled report read back from disk is not trusted: before it may be sent, its file name and
 * its content must agree, every anonymized field must have the anonymizer's shape, every counter
 * must be a uint64, and it must belong to this cluster. Anything else (a damaged file, one edited
 * by hand, one from another cluster's spool) is refused with the file, the field and the reason;
 * it is never sent. Pure: text in, entry or SpoolFileError out.
 */
import { MAX_REPORT_BYTES } from '../protocol/usage-wire.js';
import { ANONYMIZED } from './anonymizer.js';
import { BOT_INSTANCE_COUNTERS, RESOURCE_KIND_NAMES, USER_COUNTERS } from './usage-aggregator.js';
import { protoTimestamp, reportSizeBound, type UsageReportEntry, uuidToBase64 } from './usage-report-build.js';

/** What the first key of a spool file says it is; a file without it was not written here. */
export const SPOOL_FORMAT = 'tbot-analytics usage report v1';

const KIND_RANK = { user_activity: 0, resource_presence: 1, bot_instance_activity: 2 } as const;
export type SpooledKind = keyof typeof KIND_RANK;

/** `<kind>.<YYYYMMDDTHHMMSSZ>.<uuid>.json`: sorting names sorts by kind, then window start. */
const NAME = /^(user_activity|resource_presence|bot_instance_activity)\.(\d{8}T\d{6}Z)\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;

const compact = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

export function spoolFileName(entry: Pick<UsageReportEntry, 'kind' | 'start' | 'uuid'>): string {
  return `${entry.kind}.${compact(entry.start)}.${entry.uuid}.json`;
}

export interface SpoolName {
  kind: SpooledKind;
  start: number;
  uuid: string;
  /** Sends user activity first, then resources, then bot instances, each oldest first (as Teleport). */
  rank: number;
}

/** The parts of a spool file's name, or undefined for a name this spool never writes. */
export function parseSpoolName(name: string): SpoolName | undefined {
  const match = NAME.exec(name);
  if (match === null) return undefined;
  const [, kind, stamp, uuid] = match as unknown as [string, SpooledKind, string, string];
  const start = Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13)}`);
  if (Number.isNaN(start) || compact(start) !== stamp) return undefined;
  return { kind, start, uuid, rank: KIND_RANK[kind] };
}

export class SpoolFileError extends Error {
  override name = 'SpoolFileError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field === '' ? '' : `${field}: `}${problem}; the report is not sent (and the file is left as it is)`);
  }
}

const MAX_UINT64 = 2n ** 64n - 1n;
const isUint64 = (value: unknown): boolean => typeof value === 'string' && /^\d{1,20}$/.test(value) && BigInt(value) <= MAX_UINT64;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

const USER_KINDS = new Set(['USER_KIND_UNSPECIFIED', 'USER_KIND_HUMAN', 'USER_KIND_BOT']);
const RESOURCE_KINDS = new Set<string>(RESOURCE_KIND_NAMES);
const USER_COUNTER_KEYS = new Set(USER_COUNTERS.map(camel));
const BOT_COUNTER_KEYS = new Set(BOT_INSTANCE_COUNTERS.map(camel));
const HEAD_KEYS = ['reportUuid', 'clusterName', 'reporterHostid', 'startTime'];

export interface SpoolCheckContext {
  file: string;
  /** This cluster's anonymized name: a report of another cluster is refused. */
  clusterName: string;
  maxReportBytes?: number;
}

/** Parses and checks one spool file's text against its name. */
export function checkSpooledReport(text: string, context: SpoolCheckContext): UsageReportEntry {
  const { file } = context;
  const fail = (field: string, problem: string): never => {
    throw new SpoolFileError(file, field, problem);
  };
  const name = parseSpoolName(file.slice(file.lastIndexOf('/') + 1));
  if (name === undefined) fail('', 'not a spool file name (<kind>.<YYYYMMDDTHHMMSSZ>.<uuid>.json)');
  const { kind, start, uuid } = name!;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail('', `not JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed)) return fail('', 'not a JSON object');
  if (parsed['format'] !== SPOOL_FORMAT) fail('format', `expected "${SPOOL_FORMAT}"`);
  if (parsed['kind'] !== kind) fail('kind', `expected "${kind}", as the file name says`);
  for (const key of Object.keys(parsed)) if (!['format', 'kind', 'report'].includes(key)) fail(key, 'unexpected field');
  const report = parsed['report'];
  if (!isObject(report)) return fail('report', 'expected an object');
  const listKey = kind === 'resource_presence' ? 'resourceKindReports' : 'records';
  for (const key of Object.keys(report)) if (![...HEAD_KEYS, listKey].includes(key)) fail(`report.${key}`, 'unexpected field');
  if (report['reportUuid'] !== uuidToBase64(uuid)) fail('report.reportUuid', `expected the UUID the file name says (${uuid})`);
  if (report['clusterName'] !== context.clusterName) fail('report.clusterName', 'not this cluster (another cluster spooled it, or the cluster key changed)');
  anonymized(report['reporterHostid'], 'report.reporterHostid', fail);
  if (report['startTime'] !== protoTimestamp(start)) fail('report.startTime', `expected ${protoTimestamp(start)}, as the file name says`);
  const list = report[listKey];
  if (!Array.isArray(list) || list.length === 0) fail(`report.${listKey}`, 'expected a non-empty list');
  for (const [index, item] of (list as unknown[]).entries()) {
    const at = `report.${listKey}[${index}]`;
    if (!isObject(item)) return fail(at, 'expected an object');
    if (kind === 'user_activity') checkUserRecord(item, at, fail);
    else if (kind === 'bot_instance_activity') checkBotRecord(item, at, fail);
    else checkKindReport(item, at, fail);
  }
  const max = context.maxReportBytes ?? MAX_REPORT_BYTES;
  if (reportSizeBound(report) > max) fail('report', `larger than ${max} bytes, the most one report may take`);
  return { kind, uuid, start, report };
}

type Fail = (field: string, problem: string) => never;

function anonymized(value: unknown, at: string, fail: Fail): void {
  if (typeof value !== 'string' || !ANONYMIZED.test(value)) fail(at, 'expected an anonymized value (base64 of a 32-byte HMAC-SHA256)');
}

function checkUserRecord(record: Record<string, unknown>, at: string, fail: Fail): void {
  for (const [key, value] of Object.entries(record)) {
    if (key === 'userName') anonymized(value, `${at}.userName`, fail);
    else if (key === 'userKind') {
      if (!USER_KINDS.has(value as string)) fail(`${at}.userKind`, 'expected USER_KIND_UNSPECIFIED, USER_KIND_HUMAN or USER_KIND_BOT');
    } else if (USER_COUNTER_KEYS.has(key)) {
      if (!isUint64(value)) fail(`${at}.${key}`, 'expected a uint64 in decimal');
    } else if (key === 'spiffeIdsIssued') {
      if (!Array.isArray(value)) fail(`${at}.spiffeIdsIssued`, 'expected a list');
      for (const [index, spiffe] of (value as unknown[]).entries()) {
        const inner = `${at}.spiffeIdsIssued[${index}]`;
        if (!isObject(spiffe)) fail(inner, 'expected an object');
        const checked = spiffe as Record<string, unknown>;
        for (const field of Object.keys(checked)) if (field !== 'spiffeId' && field !== 'svidsIssued') fail(`${inner}.${field}`, 'unexpected field');
        anonymized(checked['spiffeId'], `${inner}.spiffeId`, fail);
        const count = checked['svidsIssued'];
        if (!(Number.isInteger(count) && (count as number) >= 0 && (count as number) <= 0xffffffff)) fail(`${inner}.svidsIssued`, 'expected a uint32');
      }
    } else fail(`${at}.${key}`, 'unexpected field');
  }
  if (record['userName'] === undefined) fail(`${at}.userName`, 'missing');
}

function checkBotRecord(record: Record<string, unknown>, at: string, fail: Fail): void {
  for (const [key, value] of Object.entries(record)) {
    if (key === 'botInstanceId' || key === 'botUserName') anonymized(value, `${at}.${key}`, fail);
    else if (BOT_COUNTER_KEYS.has(key)) {
      if (!isUint64(value)) fail(`${at}.${key}`, 'expected a uint64 in decimal');
    } else fail(`${at}.${key}`, 'unexpected field');
  }
  if (record['botInstanceId'] === undefined) fail(`${at}.botInstanceId`, 'missing');
  if (record['botUserName'] === undefined) fail(`${at}.botUserName`, 'missing');
}

function checkKindReport(report: Record<string, unknown>, at: string, fail: Fail): void {
  for (const key of Object.keys(report)) if (key !== 'resourceKind' && key !== 'resourceIds') fail(`${at}.${key}`, 'unexpected field');
  if (!RESOURCE_KINDS.has(report['resourceKind'] as string)) fail(`${at}.resourceKind`, 'expected a RESOURCE_KIND_ name this library sends');
  const ids = report['resourceIds'];
  if (!Array.isArray(ids) || ids.length === 0) fail(`${at}.resourceIds`, 'expected a non-empty list');
  for (const [index, id] of (ids as unknown[]).entries()) if (!isUint64(id)) fail(`${at}.resourceIds[${index}]`, 'expected a uint64 in decimal');
}
