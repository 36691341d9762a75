/**
 * A stored user activity report read straight from its line, for the billing report: the tenant,
 * the report's identity and time, and per record the user's key, kind and counters. A month of a
 * large deployment is millions of such lines, and the generic way (JSON.parse, then the stored
 * record check, then the fold's own check, then the fold) built and walked every record four times.
 *
 * The reading is one-sided, as the usage ingest's fast path is: it answers only for a line whose
 * every byte it understands, and only when the generic way would find the line sound, so a report
 * never depends on which way a line was read. Anything else (an escape in a string, whitespace, a
 * repeated key, a field it does not model, an enum given by number, a value of the wrong shape)
 * gives `undefined`, and the caller reads the line the generic way, which alone judges damage.
 * What it accepts, field by field, is what `checkStoredRecord` and the fold's `valid` accept:
 * test/unit/user-activity-line.test.ts holds the two to the same verdicts and the same figures.
 */
import { ScalarType } from '@bufbuild/protobuf';
import { isAnonymized, isAnonymizedAt, isPaddedBase64 } from '../../../protocol/anonymized.js';
import { messageSchema } from '../../../protocol/descriptors.js';
import { isCanonicalTimestamp } from '../../../protocol/proto-json-shape.js';
import { ISO_INSTANT, UUID_TEXT } from '../../../text/canonical-text.js';
import { isTenantName } from '../../tenants/tenant-name.js';

/** What the billing fold takes from one user activity report. */
export interface UserActivitySighting {
  tenant: string;
  /** 8-4-4-4-12, lowercase. */
  reportUuid: string;
  /** RFC 3339 UTC with milliseconds, as the store writes it. */
  startTime: string;
  /** Each record's user, keyed as the fold keys it (the first characters of user_name), in record order. */
  users: string[];
  /** Each record's user_kind, as `userKindCode` numbers it. */
  kinds: number[];
  /** Per counter field (the caller's order), the sum over the records in record order: the fold's own arithmetic. */
  counters: Float64Array;
}

/** A line read: its family, when it arrived, and its report. */
export interface UserActivityLine {
  family: 'usage';
  receivedAt: string;
  sighting: UserActivitySighting;
}

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const ZERO = 48;
const NINE = 57;
const FAIL = -1;

/**
 * The index of the next quote after the one at `at`: the end of a string unless the string holds
 * an escape. Every caller then checks the text between against a charset without the backslash
 * and control characters (a key against the known names, a value against its own shape), so an
 * escaped string never passes; the search itself is the engine's, much quicker than a loop here.
 */
function stringEnd(line: string, at: number): number {
  return line.charCodeAt(at) === QUOTE ? line.indexOf('"', at + 1) : FAIL;
}

/**
 * The record fields read, from the contract itself, so the reading follows the descriptor the
 * record check follows: every uint64 field (canonically a decimal string), the user's name
 * (bytes) and kind (an enum, accepted by its declared names only). Each field's slot is where its
 * value goes: USER_NAME, USER_KIND, or the counter's index (past the summed ones for a counter
 * the fold does not sum: read, not kept).
 */
const RECORD = messageSchema('prehog.v1.UserActivityRecord');
const USER_NAME = -1;
const USER_KIND = -2;
function recordFields(counterFields: readonly string[]): { names: string[]; slots: number[] } {
  const names: string[] = [];
  const slots: number[] = [];
  for (const field of RECORD.fields) {
    let slot: number | undefined;
    if (field.name === 'user_name' && field.fieldKind === 'scalar' && field.scalar === ScalarType.BYTES) slot = USER_NAME;
    else if (field.name === 'user_kind' && field.fieldKind === 'enum') slot = USER_KIND;
    else if (field.fieldKind === 'scalar' && field.scalar === ScalarType.UINT64) {
      const summed = counterFields.indexOf(field.name);
      slot = summed >= 0 ? summed : counterFields.length;
    }
    // A key's bit in a 31-bit mask marks it seen; a contract grown past that leaves its later fields to the generic path.
    if (slot !== undefined && names.length < 31) {
      names.push(field.name);
      slots.push(slot);
    }
  }
  return { names, slots };
}
const userKindField = RECORD.fields.find((field) => field.name === 'user_kind');
const DECLARED_USER_KINDS: readonly string[] = userKindField?.fieldKind === 'enum' ? userKindField.enum.values.map((value) => value.name) : [];

/**
 * A lookup of known texts (keys, enum names, quotes included) inside a line, without slicing them
 * out: a slice is a new string to hash, for every key of every record. The candidates are the
 * texts of the same length, compared in place.
 */
function inPlaceLookup<T>(entries: readonly (readonly [string, T])[]): (line: string, start: number, end: number) => T | undefined {
  const byLength: (readonly [string, T])[][] = [];
  for (const entry of entries) {
    byLength[entry[0].length] ??= [];
    byLength[entry[0].length]!.push(entry);
  }
  return (line, start, end) => {
    const candidates = byLength[end - start];
    if (candidates === undefined) return undefined;
    for (let candidate = 0; candidate < candidates.length; candidate += 1) {
      const [text, value] = candidates[candidate]!;
      if (line.startsWith(text, start)) return value;
    }
    return undefined;
  };
}

/**
 * Whether the quoted text from `at` to `end` is a canonical uint64 ("0", or up to 19 digits
 * without a leading zero). Its value is added to `into[slot]` (when the fold sums it), in the
 * order the records come, as the fold adds.
 */
function counterAt(line: string, at: number, end: number, into: Float64Array, slot: number): boolean {
  const digits = end - at - 1;
  if (digits < 1 || digits > 19 || (digits > 1 && line.charCodeAt(at + 1) === ZERO)) return false;
  let value = 0;
  for (let index = at + 1; index < end; index += 1) {
    const code = line.charCodeAt(index);
    if (code < ZERO || code > NINE) return false;
    value = value * 10 + (code - ZERO);
  }
  // Up to 15 digits the loop is exact; longer ones are rounded as Number() rounds the text.
  if (slot < into.length) into[slot]! += digits <= 15 ? value : Number(line.slice(at + 1, end));
  return true;
}

/** The keys one of the line's objects may hold, in the order their numbers give them. */
interface Level {
  names: readonly string[];
  keyAt: (line: string, start: number, end: number) => number | undefined;
}
const level = (names: readonly string[]): Level => ({ names, keyAt: inPlaceLookup(names.map((name, key): [string, number] => [`"${name}"`, key])) });
/** The stored record: `{received_at, family, event, uuid}`. */
const TOP = level(['received_at', 'family', 'uuid', 'event']);
const [TOP_RECEIVED_AT, TOP_FAMILY, TOP_UUID, TOP_EVENT] = [0, 1, 2, 3];
/** The usage event: what the store writes beside the report. */
const EVENT = level(['tenant', 'kind', 'report_uuid', 'cluster_name', 'reporter_hostid', 'start_time', 'report']);
const [EVENT_TENANT, EVENT_KIND, EVENT_REPORT_UUID, EVENT_CLUSTER_NAME, EVENT_REPORTER_HOSTID, EVENT_START_TIME, EVENT_REPORT] = [0, 1, 2, 3, 4, 5, 6];
/** UserActivityReport in ProtoJSON (proto field names), every field of the contract. */
const REPORT = level(['report_uuid', 'cluster_name', 'reporter_hostid', 'start_time', 'records']);
const [REPORT_UUID, REPORT_CLUSTER_NAME, REPORT_REPORTER_HOSTID, REPORT_START_TIME, REPORT_RECORDS] = [0, 1, 2, 3, 4];

export interface ReaderOptions {
  /** The counters the fold sums, in its order. */
  counterFields: readonly string[];
  /** The fold's number for a user kind's name. */
  userKindCode: (name: string) => number;
  /** How much of an anonymized user name the fold keys a user by (its first characters). */
  userKeyLength: number;
}

/**
 * A reader for the fold described by `options`. What it returns is valid until its next call (the
 * sighting is refilled in place): fold it, or copy it, before reading the next line.
 */
export function userActivityLineReader(options: ReaderOptions): (line: string) => UserActivityLine | undefined {
  const { counterFields, userKindCode, userKeyLength } = options;
  const fields = recordFields(counterFields);
  const RECORD_LEVEL = level(fields.names);
  const kindAt = inPlaceLookup(DECLARED_USER_KINDS.map((name): [string, number] => [`"${name}"`, userKindCode(name)]));
  // The record being read: its user (once seen) and kind.
  let user: string | undefined;
  let kind = 0;

  /** One record field's value at `at` (always a string): the user's key, its kind, or a counter added. Its end, or FAIL. */
  const recordValue = (line: string, key: number, at: number): number => {
    const end = stringEnd(line, at);
    if (end === FAIL) return FAIL;
    const slot = fields.slots[key]!;
    if (slot === USER_NAME) {
      if (!isAnonymizedAt(line, at + 1, end)) return FAIL;
      // The key only, copied out: a slice of the line would keep the whole line alive in the tally.
      user = line.slice(at + 1, at + 1 + userKeyLength);
    } else if (slot === USER_KIND) {
      const found = kindAt(line, at, end + 1);
      if (found === undefined) return FAIL;
      kind = found;
    } else if (!counterAt(line, at, end, current.counters, slot)) return FAIL;
    return end + 1;
  };

  /** The records list `[…]` at `at`, each record's user and kind pushed. The end, or FAIL. */
  function recordsEnd(line: string, at: number): number {
    if (line.charCodeAt(at) !== OPEN_BRACKET) return FAIL;
    let index = at + 1;
    if (line.charCodeAt(index) === CLOSE_BRACKET) return index + 1;
    for (;;) {
      user = undefined;
      kind = 0;
      index = objectEnd(line, index, RECORD_LEVEL, recordValue);
      if (index === FAIL || user === undefined) return FAIL;
      current.users.push(user);
      current.kinds.push(kind);
      const next = line.charCodeAt(index);
      if (next === CLOSE_BRACKET) return index + 1;
      if (next !== COMMA) return FAIL;
      index += 1;
    }
  }

  /**
   * The members of the object whose `{` is at `at` (the record, a user record, the event, the
   * report: `level` names its keys): each known key's value is read by `readValue`, which returns
   * the value's end. The object's end, or FAIL for an unknown or repeated key.
   */
  function objectEnd(line: string, at: number, level: Level, readValue: (line: string, key: number, valueAt: number) => number): number {
    if (line.charCodeAt(at) !== OPEN_BRACE) return FAIL;
    let index = at + 1;
    let seen = 0;
    if (line.charCodeAt(index) === CLOSE_BRACE) return index + 1;
    for (;;) {
      const keyEnd = stringEnd(line, index);
      if (keyEnd === FAIL || line.charCodeAt(keyEnd + 1) !== COLON) return FAIL;
      const key = level.keyAt(line, index, keyEnd + 1);
      if (key === undefined || (seen & (1 << key)) !== 0) return FAIL;
      seen |= 1 << key;
      index = readValue(line, key, keyEnd + 2);
      if (index === FAIL) return FAIL;
      const next = line.charCodeAt(index);
      if (next === CLOSE_BRACE) return index + 1;
      if (next !== COMMA) return FAIL;
      index += 1;
    }
  }

  // Where each string value of the line starts and ends (quotes excluded), by level and key: the
  // reading allocates only what it returns.
  const spans = { top: new Int32Array(TOP.names.length * 2), event: new Int32Array(EVENT.names.length * 2), report: new Int32Array(REPORT.names.length * 2) };
  // One sighting, refilled by each call: a report reads millions of lines, and each is folded before the next is read.
  const current: UserActivitySighting = { tenant: '', reportUuid: '', startTime: '', users: [], kinds: [], counters: new Float64Array(counterFields.length) };
  let hasReport = false;
  /** A string value at `at` into `into`'s span for `key`; its end. */
  const spanEnd = (into: Int32Array, line: string, key: number, at: number): number => {
    const end = stringEnd(line, at);
    if (end === FAIL) return FAIL;
    into[key * 2] = at + 1;
    into[key * 2 + 1] = end;
    return end + 1;
  };
  const reportValue = (line: string, key: number, at: number): number => (key === REPORT_RECORDS ? recordsEnd(line, at) : spanEnd(spans.report, line, key, at));
  const eventValue = (line: string, key: number, at: number): number => {
    if (key !== EVENT_REPORT) return spanEnd(spans.event, line, key, at);
    hasReport = true;
    return objectEnd(line, at, REPORT, reportValue);
  };
  const topValue = (line: string, key: number, at: number): number => (key === TOP_EVENT ? objectEnd(line, at, EVENT, eventValue) : spanEnd(spans.top, line, key, at));

  return (line) => {
    spans.top.fill(-1);
    spans.event.fill(-1);
    spans.report.fill(-1);
    current.users.length = 0;
    current.kinds.length = 0;
    current.counters.fill(0);
    hasReport = false;
    // The report is read only inside the event, so a line with a report has both. Its records may be absent (an empty list).
    if (objectEnd(line, 0, TOP, topValue) !== line.length || !hasReport) return undefined;
    const text = (into: Int32Array, key: number): string | undefined => (into[key * 2]! < 0 ? undefined : line.slice(into[key * 2], into[key * 2 + 1]));
    const receivedAt = text(spans.top, TOP_RECEIVED_AT);
    const uuid = text(spans.top, TOP_UUID);
    // toISOString's spelling only: Date.parse also takes looser texts, which the generic path is left to judge.
    if (receivedAt === undefined || !ISO_INSTANT.test(receivedAt) || Number.isNaN(Date.parse(receivedAt)) || text(spans.top, TOP_FAMILY) !== 'usage') return undefined;
    if (uuid !== undefined && !UUID_TEXT.test(uuid)) return undefined;
    const tenant = text(spans.event, EVENT_TENANT);
    const reportUuid = text(spans.event, EVENT_REPORT_UUID);
    const clusterName = text(spans.event, EVENT_CLUSTER_NAME);
    const reporterHostid = text(spans.event, EVENT_REPORTER_HOSTID);
    const startTime = text(spans.event, EVENT_START_TIME);
    if (tenant === undefined || !isTenantName(tenant) || text(spans.event, EVENT_KIND) !== 'user_activity' || reportUuid === undefined || !UUID_TEXT.test(reportUuid))
      return undefined;
    if (clusterName === undefined || !isAnonymized(clusterName) || reporterHostid === undefined || !isAnonymized(reporterHostid)) return undefined;
    if (startTime === undefined || !ISO_INSTANT.test(startTime) || Number.isNaN(Date.parse(startTime))) return undefined;
    // The report's own copies: the same anonymized names as the record's; its uuid and time in their canonical forms.
    if (text(spans.report, REPORT_CLUSTER_NAME) !== clusterName || text(spans.report, REPORT_REPORTER_HOSTID) !== reporterHostid) return undefined;
    const ownUuid = text(spans.report, REPORT_UUID);
    const ownStart = text(spans.report, REPORT_START_TIME);
    if ((ownUuid !== undefined && !isPaddedBase64(ownUuid)) || (ownStart !== undefined && !isCanonicalTimestamp(ownStart))) return undefined;
    current.tenant = tenant;
    current.reportUuid = reportUuid;
    current.startTime = startTime;
    return { family: 'usage', receivedAt, sighting: current };
  };
}
