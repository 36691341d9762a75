/**
 * prehog.v1.TeleportReportingService/SubmitUsageReports: an auth server's aggregated usage
 * reports, for billing. Tenants only (`auth: 'tenant'`: the transport refuses anyone else before
 * this runs). At most 10 reports per call and 128 KiB per report, as the real service. Each report
 * is stored as one `usage` record; the store keeps a report at most once per (tenant,
 * report_uuid), so a resubmission is answered 200 and stores nothing new. The response carries a
 * fresh batch_uuid, as the real one does.
 */
import { fromBinary, fromJson, toBinary, toJson, type DescField, type DescMessage, type JsonObject, type Message } from '@bufbuild/protobuf';
import { randomUUID } from 'node:crypto';
import { ANONYMIZED_EXPECTATION, isAnonymized } from '../../../protocol/anonymized.js';
import { binaryToProtoJson } from '../../../protocol/binary-to-proto-json.js';
import { messageSchema, messageSchemaWithOpaqueFields } from '../../../protocol/descriptors.js';
import { OTHER } from '../../../protocol/vocabularies.js';
import {
  MAX_REPORT_BYTES,
  MAX_REPORTS_PER_CALL,
  SUBMIT_USAGE_REPORTS_PATH,
  USAGE_REPORT_KINDS,
  USAGE_REQUEST,
  listedElements,
  uuidText,
  type ListedField,
  type StoredUsageReport,
  type UsageReportKind,
} from '../../../protocol/usage-wire.js';
import { ConnectFailure, type Encoding } from '../connect-protocol.js';
import { invalid, requireNotFuture } from '../event-checks.js';
import { decodeBinaryMessage, decodeFailure, parseJsonBody, unknownBinaryFields, withoutUnknownJsonFields, type UnknownField } from '../proto-codec.js';
import type { Accepted, Caller, IngestService } from '../service.js';

/** Ten reports of 128 KiB, with room for JSON's base64 and names. */
const BODY_BYTES = 3 * 1024 * 1024;
const ANONYMIZED_BYTES = 32;

function decodeRequest(encoding: Encoding, body: Buffer): { message: Message; unknown: UnknownField[] } {
  const schema = messageSchema(USAGE_REQUEST);
  if (encoding === 'proto') {
    const message = decodeBinaryMessage<Message>(schema, body);
    return { message, unknown: unknownBinaryFields(schema, message) };
  }
  const stripped = withoutUnknownJsonFields(schema, parseJsonBody(body));
  try {
    return { message: fromJson(schema, stripped.value, { ignoreUnknownFields: false }), unknown: stripped.unknown };
  } catch (error) {
    throw decodeFailure((error as Error).message.replace(/^cannot decode (?:message |field )?/, ''));
  }
}

const base64 = (bytes: unknown): string => Buffer.from(bytes as Uint8Array).toString('base64');

/** An anonymized `bytes` field must be exactly the 32 bytes of an HMAC-SHA256. */
function requireHmac(bytes: unknown, field: string): string {
  if (!(bytes instanceof Uint8Array) || bytes.length !== ANONYMIZED_BYTES)
    throw invalid(
      `${field}: expected ${ANONYMIZED_BYTES} bytes, ${ANONYMIZED_EXPECTATION.replace('base64 of a 32-byte HMAC-SHA256, 44 characters', 'HMAC-SHA256')}`,
      'not-anonymized',
    );
  return base64(bytes);
}

type ReportMessage = Message & Record<string, unknown>;

/** The anonymized fields inside a report's records (and their nested records), by kind. */
function checkRecords(kind: UsageReportKind, schema: DescMessage, report: ReportMessage, at: string): void {
  if (kind.kind === 'user_activity')
    (report['records'] as ReportMessage[]).forEach((record, index) => {
      requireHmac(record['userName'], `${at}records[${index}].user_name`);
      for (const [inner, spiffe] of (record['spiffeIdsIssued'] as ReportMessage[]).entries())
        requireHmac(spiffe['spiffeId'], `${at}records[${index}].spiffe_ids_issued[${inner}].spiffe_id`);
    });
  if (kind.kind === 'bot_instance_activity')
    (report['records'] as ReportMessage[]).forEach((record, index) => {
      requireHmac(record['botInstanceId'], `${at}records[${index}].bot_instance_id`);
      requireHmac(record['botUserName'], `${at}records[${index}].bot_user_name`);
    });
  // The contract carries these anonymized names as base64 text in string fields, not as bytes.
  for (const text of kind.anonymizedText ?? []) {
    const key = localNames(schema, text);
    for (const [element, where] of listedElements(report, text, key))
      if (!isAnonymized(element[key(text.field)] as string)) throw invalid(`${at}${where}${text.field}: expected ${ANONYMIZED_EXPECTATION}`, 'not-anonymized');
  }
}

/** The decoded message's property names (localNames) of a listed field's proto names. */
function localNames(schema: DescMessage, path: ListedField): (name: string) => string {
  const names = new Map<string, string>();
  let message: DescMessage | undefined = schema;
  for (const name of [path.list, path.within, path.field]) {
    if (name === undefined || message === undefined) continue;
    const field: DescField = message.fields.find((candidate) => candidate.name === name)!;
    names.set(name, field.localName);
    message = field.fieldKind === 'list' && field.listKind === 'message' ? field.message : undefined;
  }
  return (name) => names.get(name) ?? name;
}

/** A closed field's value outside its list is stored as `other`, as every closed vocabulary is. */
function closeVocabularies(kind: UsageReportKind, schema: DescMessage, report: ReportMessage): void {
  for (const closed of kind.closed ?? []) {
    const key = localNames(schema, closed);
    const field = key(closed.field);
    for (const [element] of listedElements(report, closed, key)) if (!closed.values.includes(element[field] as string)) element[field] = OTHER;
  }
}

/**
 * The size limit needs a report's binary size. A binary request no larger than the limit holds no
 * report above it: a decoded message re-encodes to at most the bytes it was read from (defaults,
 * overlong varints and unpacked lists only shrink; unknown fields are kept as they came), so the
 * encoding, a copy of every record, is skipped. A JSON body says nothing about it: a fixed64 id
 * takes 8 bytes in binary and may take 4 characters in JSON.
 */
function reportSize(schema: DescMessage, report: ReportMessage, binaryBodyBytes: number | undefined): number | undefined {
  return binaryBodyBytes !== undefined && binaryBodyBytes <= MAX_REPORT_BYTES ? undefined : toBinary(schema, report).length;
}

/** What a stored report says of itself outside its JSON, checked: the same for every kind and either decoding. */
function reportHeader(report: ReportMessage, at: string, receivedAt: Date): Pick<StoredUsageReport, 'report_uuid' | 'cluster_name' | 'reporter_hostid' | 'start_time'> {
  const uuid = report['reportUuid'];
  if (!(uuid instanceof Uint8Array) || uuid.length !== 16) throw invalid(`${at}report_uuid: expected 16 bytes (a UUID)`);
  const clusterName = requireHmac(report['clusterName'], `${at}cluster_name`);
  const reporterHostid = requireHmac(report['reporterHostid'], `${at}reporter_hostid`);
  const startTime = report['startTime'] as { seconds: bigint; nanos: number } | undefined;
  if (startTime === undefined) throw invalid(`${at}start_time: required (the start of the report's window)`);
  const startMillis = Number(startTime.seconds) * 1000 + Math.floor(startTime.nanos / 1e6);
  if (!Number.isFinite(startMillis) || Math.abs(startMillis) > 8.64e15) throw invalid(`${at}start_time: out of range`);
  requireNotFuture(startMillis, receivedAt, `${at}start_`);
  return { report_uuid: uuidText(uuid), cluster_name: clusterName, reporter_hostid: reporterHostid, start_time: new Date(startMillis).toISOString() };
}

function storedReport(
  kind: UsageReportKind,
  schema: DescMessage,
  report: ReportMessage,
  at: string,
  tenant: string,
  receivedAt: Date,
  binaryBodyBytes: number | undefined,
): StoredUsageReport {
  const size = reportSize(schema, report, binaryBodyBytes);
  if (size !== undefined && size > MAX_REPORT_BYTES) throw invalid(`${at.slice(0, -1)}: ${size} bytes; a report may take at most ${MAX_REPORT_BYTES}`, 'too-large');
  const header = reportHeader(report, at, receivedAt);
  checkRecords(kind, schema, report, at);
  closeVocabularies(kind, schema, report);
  return {
    tenant,
    kind: kind.kind,
    ...header,
    // Zero values are left out: a user record is mostly zero counters, and writing them made each
    // stored report about five times its size, which every report and ingest paid for. Readers
    // take an absent field as its default (proto3), and the forwarder writes them back for PostHog.
    report: toJson(schema, report, { useProtoFieldName: true }) as JsonObject,
  };
}

/**
 * The common call, stored without building a message per user record: a binary request of user
 * activity reports only, no larger than one report's limit, with no field unknown to the contract,
 * whose every check passes. The request is decoded with each report's records left as bytes
 * (messageSchemaWithOpaqueFields), and each record goes straight to its stored JSON
 * (binaryToProtoJson). Anything else, including every request that is refused, gives undefined and
 * takes the path above, so the answer and what is stored never depend on which path ran
 * (test/unit/usage-fast-path.test.ts holds the two to the same events). It exists for its cost:
 * see bench/usage-ingest.ts.
 */
export function fastStoredReports(body: Buffer, receivedAt: Date, tenant: string): StoredUsageReport[] | undefined {
  if (body.length > MAX_REPORT_BYTES) return undefined;
  const schema = messageSchemaWithOpaqueFields(USAGE_REQUEST, OPAQUE_USER_RECORDS);
  let request: ReportMessage;
  try {
    request = fromBinary(schema, body, { readUnknownFields: true }) as ReportMessage;
  } catch {
    return undefined;
  }
  if (unknownBinaryFields(schema, request).length > 0) return undefined;
  const [userActivity, ...others] = USAGE_REPORT_KINDS;
  if (others.some((kind) => (request[kind.field] as unknown[]).length > 0)) return undefined;
  const reports = request[userActivity!.field] as ReportMessage[];
  if (reports.length > MAX_REPORTS_PER_CALL) return undefined;
  const reportSchema = schema.fields.find((field) => field.number === userActivity!.number)!;
  if (reportSchema.fieldKind !== 'list' || reportSchema.listKind !== 'message') return undefined;
  const recordSchema = messageSchema(RECORD_TYPE);
  const stored: StoredUsageReport[] = [];
  for (const report of reports) {
    const records: JsonObject[] = [];
    for (const bytes of report['records'] as Uint8Array[]) {
      const record = binaryToProtoJson(recordSchema, bytes);
      if (record === undefined) return undefined;
      records.push(record as JsonObject);
    }
    let header: ReturnType<typeof reportHeader>;
    try {
      header = reportHeader(report, '', receivedAt);
    } catch {
      return undefined;
    }
    const json = toJson(reportSchema.message, report, { useProtoFieldName: true }) as JsonObject;
    if (records.length > 0) json['records'] = records;
    if (!userRecordsHold(userActivity!, json)) return undefined;
    stored.push({ tenant, kind: userActivity!.kind, ...header, report: json });
  }
  return stored;
}

/** The user activity records whose messages the fast path never builds. */
const RECORD_TYPE = 'prehog.v1.UserActivityRecord';
const OPAQUE_USER_RECORDS = ['prehog.v1.UserActivityReport.records'];

/**
 * checkRecords and closeVocabularies on a report's stored JSON (proto names, base64 bytes, zero
 * values absent): false where checkRecords would refuse it; closed values outside their lists
 * become `other`, as closeVocabularies makes them.
 */
function userRecordsHold(kind: UsageReportKind, report: JsonObject): boolean {
  // An absent field is its zero value: no bytes, or an empty string.
  const anonymized = (value: unknown): boolean => typeof value === 'string' && isAnonymized(value);
  for (const record of (report['records'] ?? []) as JsonObject[]) {
    if (!anonymized(record['user_name'])) return false;
    for (const spiffe of (record['spiffe_ids_issued'] ?? []) as JsonObject[]) if (!anonymized(spiffe['spiffe_id'])) return false;
  }
  for (const text of kind.anonymizedText ?? []) for (const [element] of listedElements(report, text)) if (!anonymized(element[text.field])) return false;
  for (const closed of kind.closed ?? [])
    for (const [element] of listedElements(report, closed)) if (!closed.values.includes((element[closed.field] ?? '') as string)) element[closed.field] = OTHER;
  return true;
}

/** `fastPath: false` keeps every call on the library's path (for the test that holds the two paths to the same answers). */
export function createUsageReportService(deps: { randomUuid: () => string; fastPath?: boolean } = { randomUuid: randomUUID }): IngestService {
  return {
    path: SUBMIT_USAGE_REPORTS_PATH,
    family: 'usage',
    auth: 'tenant',
    maxBodyBytes: BODY_BYTES,
    accept(encoding, body, receivedAt, caller: Caller): Accepted {
      // The transport refuses an anonymous call first; this keeps a misregistered service safe too.
      if (caller.tenant === undefined) throw new ConnectFailure('unauthenticated', 'usage reports need a tenant client certificate', 'unauthenticated');
      const fast = encoding === 'proto' && deps.fastPath !== false ? fastStoredReports(body, receivedAt, caller.tenant) : undefined;
      if (fast !== undefined) return { events: fast, notes: { unknownFields: 0 }, response: { batchUuid: Buffer.from(deps.randomUuid().replaceAll('-', ''), 'hex') } };
      const { message, unknown } = decodeRequest(encoding, body);
      // A report kind newer than our contract would otherwise be skipped as an unknown field and
      // acknowledged: the sender would delete a report nobody stored.
      const newKind = unknown.find((field) => field.path === '');
      if (newKind !== undefined)
        throw new ConnectFailure(
          'unimplemented',
          `report kind ${newKind.key === undefined ? `field ${newKind.number}` : JSON.stringify(newKind.key)} is not implemented here; nothing of this call was stored`,
          'unimplemented-event',
        );
      const request = message as ReportMessage;
      const reports = USAGE_REPORT_KINDS.flatMap((kind) => (request[kind.field] as ReportMessage[]).map((report, index) => ({ kind, report, index })));
      if (reports.length > MAX_REPORTS_PER_CALL) throw invalid(`${reports.length} reports in one request; at most ${MAX_REPORTS_PER_CALL}`, 'batch-too-large');
      const tenant = caller.tenant;
      const events = reports.map(({ kind, report, index }) => {
        const protoName = messageSchema(USAGE_REQUEST).fields.find((field) => field.number === kind.number)!.name;
        return storedReport(kind, messageSchema(kind.reportType), report, `${protoName}[${index}].`, tenant, receivedAt, encoding === 'proto' ? body.length : undefined);
      });
      const batchUuid = Buffer.from(deps.randomUuid().replaceAll('-', ''), 'hex');
      return { events, notes: { unknownFields: unknown.length }, response: { batchUuid } };
    },
  };
}

export const usageReportService = createUsageReportService();
