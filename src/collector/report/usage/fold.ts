/**
 * The billing tally (family `usage`): per tenant and month, distinct users by kind, summed
 * activity counters, distinct bot instances, and distinct resources per kind with their busiest
 * hour. The exactness rules (docs/usage-report.md):
 * - a report belongs to the month (UTC) of its `start_time`, and to the window by that time too;
 * - distinct counts are unions, so the same user or resource reported by two auth servers, or in
 *   two windows, counts once;
 * - counters are summed across auth servers: each auth server counts only the events its own
 *   process handled (Teleport's aggregating reporter), so two reports of one window never count
 *   the same login twice;
 * - a report stored twice (same tenant and report_uuid) counts once, also when its copies land in
 *   different worker threads.
 * Memory: members of the distinct sets are short string keys, not objects (see `identityKey`).
 */
import { isAnonymized } from '../../../protocol/anonymized.js';
import { ISO_INSTANT, UUID_TEXT } from '../../../text/canonical-text.js';
import { POSTHOG_ENUM_VALUES, type StoredUsageReport } from '../../../protocol/usage-wire.js';
import type { StoredRecord } from '../../store/record.js';
import type { Fold } from '../fold.js';
import type { ReportWindow } from '../window.js';
import { type UserActivityLine, type UserActivitySighting, userActivityLineReader } from './user-activity-line.js';

/** The summed counters: column name → the UserActivityRecord field it sums. Order is the CSV's. */
export const USAGE_COUNTERS = [
  ['logins', 'logins'],
  ['sessions_ssh', 'ssh_sessions'],
  ['sessions_kube', 'kube_sessions'],
  ['sessions_db', 'db_sessions'],
  ['sessions_app', 'app_sessions'],
  ['sessions_app_tcp', 'app_tcp_sessions'],
  ['sessions_desktop', 'desktop_sessions'],
  ['svids_issued', 'spiffe_svids_issued'],
  ['certificates_issued', 'certificates_issued'],
  ['bot_joins', 'bot_joins'],
  // Added with the newer contract (UserActivityRecord field 29); its CSV column comes after the older ones.
  ['sessions_linux_desktop', 'linux_desktop_sessions'],
] as const;
export type UsageCounter = (typeof USAGE_COUNTERS)[number][0];

/**
 * A user kind as a number, so two sightings combine by `max` in any order: unspecified (0) gives
 * way to a declared kind, and of two declared kinds (Teleport logs that as a bug) the higher wins.
 * A number the contract does not name (open enums) is kept as it is.
 */
const USER_KINDS: Readonly<Record<string, number>> = { USER_KIND_UNSPECIFIED: 0, USER_KIND_HUMAN: 1, USER_KIND_BOT: 2, USER_KIND_SYSTEM: 3 };
export function userKindCode(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  return typeof value === 'string' ? (USER_KINDS[value] ?? 0) : 0;
}

/**
 * The key a 32-byte anonymized value is counted under: its first 11 base64 characters, i.e. the
 * first 66 bits of the HMAC. Two different users share a key with odds about n² / 2^67 for n
 * users of one tenant (1 in 10^10 at 100,000 users), and a short string costs a fraction of the
 * 44-character original in a Set.
 */
export const IDENTITY_KEY_LENGTH = 11;
export const identityKey = (anonymized: string): string => anonymized.slice(0, IDENTITY_KEY_LENGTH);

/** A resource kind's label: the contract's PostHog value (`node`, `node.openssh`…), else "kind N". */
export function resourceKindLabel(value: unknown): string {
  if (typeof value === 'string' && POSTHOG_ENUM_VALUES[value] !== undefined && value.startsWith('RESOURCE_KIND_')) return POSTHOG_ENUM_VALUES[value]!;
  if (value === undefined || value === 'RESOURCE_KIND_UNSPECIFIED') return 'unspecified';
  return `kind ${String(value)}`;
}

export interface ResourceTally {
  /** Distinct resource ids in the month. */
  ids: Set<string>;
  /** "YYYY-MM-DDTHH" → distinct ids whose report window starts in that hour. */
  hours: Map<string, Set<string>>;
}

/** One tenant's month. */
export interface UsageGroup {
  tenant: string;
  month: string;
  /** identityKey(user_name) → user kind code (max over sightings). */
  users: Map<string, number>;
  counters: number[];
  /** identityKey(bot_instance_id). */
  botInstances: Set<string>;
  resources: Map<string, ResourceTally>;
  /** Reports counted (each report_uuid once). */
  reports: number;
}

export interface UsageReport {
  window: ReportWindow;
  /** Only this tenant's reports, when set. */
  tenant?: string;
  /** `${month}\0${tenant}` → the group. */
  groups: Map<string, UsageGroup>;
  /**
   * tenant → packed report_uuid (`packUuid`) → the report's slot. What a copy that reached another
   * worker must take back on merge is `groupOf[slot]` and the slot's row of counters in `ledger`.
   * Flat, not an object per report: 8-character keys and fixed-size buffers.
   */
  seen: Map<string, Map<string, number>>;
  /** Slot → the key of the group the report was counted in. */
  groupOf: string[];
  /** Chunks of LEDGER_ROWS rows × USAGE_COUNTERS: each report's counters (zeros for kinds without counters). */
  ledger: Float64Array[];
  /**
   * Report keys in flat buffers instead of `seen`: a worker's part packs its keys so (`transfer`),
   * and the merged tally keeps each merged part's keys so, to find a later part's repeats.
   */
  packed?: PackedKeys[];
  /** Stored lines that repeated a report already counted. */
  repeats: number;
  /** Lines of the family that did not hold a usage report of a declared kind (damage). */
  skipped: number;
}

/**
 * A part's report keys as buffers: postMessage copies them as bytes (or moves them), where a Map
 * of 100,000s of keys came across as as many objects, the largest part of a report's peak memory.
 */
export interface PackedKeys {
  /** Slot → its report_uuid as 4 big-endian 32-bit words. */
  uuids: Uint32Array;
  /** The slots, ordered by uuid (for a binary search). */
  order: Int32Array;
  /** Slot → the index of its group's key in `groupKeys`. */
  groupOf: Int32Array;
  groupKeys: string[];
}

export interface UsageOptions {
  tenant?: string;
}

const list = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? (value as Record<string, unknown>[]) : []);
const anonymized = (value: unknown): value is string => typeof value === 'string' && isAnonymized(value);

/** The fields the counters sum, in USAGE_COUNTERS' order; plain loops over it keep the hot path cheap. */
const COUNTER_FIELDS: readonly string[] = USAGE_COUNTERS.map(([, field]) => field);
/**
 * Field → its place in COUNTER_FIELDS. A stored record holds only its non-zero fields, so walking
 * its few keys beats asking it for all ten counters: records of different shapes make every such
 * lookup a slow, generic one.
 */
const COUNTER_INDEX: ReadonlyMap<string, number> = new Map(COUNTER_FIELDS.map((field, index) => [field, index]));
const DECIMAL = /^\d{1,20}$/;

/** A uint64 in proto3 JSON: a decimal string (or a number from an older writer), or absent (0). */
function counterOk(value: unknown): boolean {
  if (value === '0' || value === undefined) return true;
  return typeof value === 'string' ? DECIMAL.test(value) : typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The record check before this (checkStoredRecord) has proven every user_name present to be the
 * anonymizer's output, and every field spelled by its proto name (the names `add` reads); what
 * `add` needs besides is that it is there, and numbers it can sum.
 */
function userRecordsOk(records: unknown): boolean {
  if (!Array.isArray(records)) return false;
  for (const record of records as Record<string, unknown>[]) {
    if (typeof record !== 'object' || record === null || typeof record['user_name'] !== 'string') return false;
    for (const field in record) if (COUNTER_INDEX.has(field) && !counterOk(record[field])) return false;
  }
  return true;
}

/** Every field `add` reads, re-checked: data read back from disk is not trusted. */
function isUsageReport(event: unknown): event is StoredUsageReport {
  const report = event as Partial<StoredUsageReport>;
  if (typeof report.tenant !== 'string' || report.tenant === '' || typeof report.report_uuid !== 'string' || !UUID_TEXT.test(report.report_uuid)) return false;
  // start_time as the store writes it (toISOString's spelling): it compares as text with the window.
  if (typeof report.start_time !== 'string' || !ISO_INSTANT.test(report.start_time) || typeof report.report !== 'object' || report.report === null) return false;
  const body = report.report;
  switch (report.kind) {
    // A report without records is sound: ProtoJSON leaves an empty list out.
    case 'user_activity':
      return body['records'] === undefined || userRecordsOk(body['records']);
    case 'bot_instance_activity':
      return (
        body['records'] === undefined ||
        (Array.isArray(body['records']) && list(body['records']).every((record) => typeof record === 'object' && record !== null && anonymized(record['bot_instance_id'])))
      );
    case 'resource_presence':
      return (
        body['resource_kind_reports'] === undefined ||
        (Array.isArray(body['resource_kind_reports']) &&
          list(body['resource_kind_reports']).every(
            (kind) =>
              typeof kind === 'object' &&
              kind !== null &&
              (kind['resource_ids'] === undefined || (Array.isArray(kind['resource_ids']) && kind['resource_ids'].every((id) => typeof id === 'string' && DECIMAL.test(id)))),
          ))
      );
    // Counted as reports; the billing report has no figure of their own for them yet.
    case 'identity_security_summaries_generated':
    case 'identity_security_usage':
      return true;
    default:
      return false;
  }
}

function group(report: UsageReport, tenant: string, month: string): [string, UsageGroup] {
  const key = `${month}\0${tenant}`;
  let found = report.groups.get(key);
  if (found === undefined) {
    found = { tenant, month, users: new Map(), counters: USAGE_COUNTERS.map(() => 0), botInstances: new Set(), resources: new Map(), reports: 0 };
    report.groups.set(key, found);
  }
  return [key, found];
}

function resourceTally(target: UsageGroup, kind: string): ResourceTally {
  let found = target.resources.get(kind);
  if (found === undefined) {
    found = { ids: new Set(), hours: new Map() };
    target.resources.set(kind, found);
  }
  return found;
}

function addToSet<T>(map: Map<string, Set<T>>, key: string): Set<T> {
  let found = map.get(key);
  if (found === undefined) {
    found = new Set();
    map.set(key, found);
  }
  return found;
}

/**
 * A report_uuid (8-4-4-4-12, lowercase hex) as 8 UTF-16 code units of 16 bits each: the whole
 * uuid, exactly, in a quarter of its text's bytes. Never shown; only a Map key.
 */
export function packUuid(uuid: string): string {
  const units: number[] = [];
  let unit = 0;
  let digits = 0;
  // Character codes, not slices and parseInt: a billing report packs one per stored report.
  for (let index = 0; index < uuid.length; index += 1) {
    const code = uuid.charCodeAt(index);
    if (code === 45) continue; // '-'
    unit = unit * 16 + (code <= 57 ? code - 48 : code - 87); // '0'-'9', 'a'-'f' (the caller checked the text)
    digits += 1;
    if (digits % 4 === 0) {
      units.push(unit);
      unit = 0;
    }
  }
  return String.fromCharCode(...units);
}

/** Ledger rows per chunk: chunks never copy on growth, and waste at most one chunk (320 KiB). */
const LEDGER_ROWS = 4096;

function tenantSeen(report: UsageReport, tenant: string): Map<string, number> {
  let found = report.seen.get(tenant);
  if (found === undefined) {
    found = new Map();
    report.seen.set(tenant, found);
  }
  return found;
}

/** The next slot, recorded under the report's key, with a zeroed row of the ledger. */
function claimSlot(report: UsageReport, seen: Map<string, number>, uuid: string, groupKey: string): number {
  const slot = report.groupOf.length;
  report.groupOf.push(groupKey);
  seen.set(uuid, slot);
  if (slot % LEDGER_ROWS === 0) report.ledger.push(new Float64Array(LEDGER_ROWS * COUNTER_FIELDS.length));
  return slot;
}

/** The ledger chunk of a slot, and where its row starts in it. */
const ledgerRow = (report: UsageReport, slot: number): [Float64Array, number] => [report.ledger[Math.floor(slot / LEDGER_ROWS)]!, (slot % LEDGER_ROWS) * COUNTER_FIELDS.length];

/** A packUuid string (8 units of 16 bits) as 4 words at `into[at…]`. */
function unpackInto(packed: string, into: Uint32Array, at: number): void {
  for (let word = 0; word < 4; word += 1) into[at + word] = ((packed.charCodeAt(word * 2) << 16) | packed.charCodeAt(word * 2 + 1)) >>> 0;
}

/** Orders two uuids held as 4 words each. */
function compareWords(left: Uint32Array, leftAt: number, right: Uint32Array, rightAt: number): number {
  for (let word = 0; word < 4; word += 1) {
    const difference = left[leftAt + word]! - right[rightAt + word]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The tally's `seen` and `groupOf` as buffers (see PackedKeys); the tables are emptied. */
function pack(report: UsageReport): PackedKeys {
  const slots = report.groupOf.length;
  const uuids = new Uint32Array(slots * 4);
  for (const bySlot of report.seen.values()) for (const [uuid, slot] of bySlot) unpackInto(uuid, uuids, slot * 4);
  const order = Int32Array.from({ length: slots }, (_, slot) => slot).sort((left, right) => compareWords(uuids, left * 4, uuids, right * 4));
  const groupKeys = [...new Set(report.groupOf)];
  const indexOf = new Map(groupKeys.map((key, index) => [key, index]));
  const groupOf = Int32Array.from(report.groupOf, (key) => indexOf.get(key)!);
  report.seen = new Map();
  report.groupOf = [];
  return { uuids, order, groupOf, groupKeys };
}

/** The tenant a group key (`${month}\0${tenant}`) names. */
const tenantOfGroup = (groupKey: string): string => groupKey.slice(groupKey.indexOf('\0') + 1);

/** The tenant a packed slot's report was counted for. */
const packedTenant = (keys: PackedKeys, slot: number): string => tenantOfGroup(keys.groupKeys[keys.groupOf[slot]!]!);

/**
 * Whether `keys` hold the report at `uuids[at…]` of `tenant`.
 * Binary search to the first slot with that uuid, then the tenants of every slot sharing it.
 */
function packedHas(keys: PackedKeys, uuids: Uint32Array, at: number, tenant: string): boolean {
  let low = 0;
  let high = keys.order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareWords(keys.uuids, keys.order[middle]! * 4, uuids, at) < 0) low = middle + 1;
    else high = middle;
  }
  for (let position = low; position < keys.order.length; position += 1) {
    const slot = keys.order[position]!;
    if (compareWords(keys.uuids, slot * 4, uuids, at) !== 0) return false;
    if (packedTenant(keys, slot) === tenant) return true;
  }
  return false;
}

/** A packed slot's uuid as packUuid spells it, to look it up in a tally's `seen`. */
function packedUuid(uuids: Uint32Array, at: number): string {
  let text = '';
  for (let word = 0; word < 4; word += 1) text += String.fromCharCode(uuids[at + word]! >>> 16, uuids[at + word]! & 0xffff);
  return text;
}

/** Whether parts merged packed hold the report of `tenant` whose packUuid is `uuid`. */
function packedHasText(target: UsageReport, uuid: string, tenant: string): boolean {
  if (target.packed === undefined) return false;
  const words = new Uint32Array(4);
  unpackInto(uuid, words, 0);
  return target.packed.some((merged) => packedHas(merged, words, 0, tenant));
}

/** Takes a repeated report back out of the part it reached: its count and its counters. */
function takeBack(part: UsageReport, slot: number, groupKey: string): void {
  const [ledger, base] = ledgerRow(part, slot);
  const copy = part.groups.get(groupKey)!;
  copy.reports -= 1;
  for (let index = 0; index < COUNTER_FIELDS.length; index += 1) copy.counters[index]! -= ledger[base + index]!;
  part.repeats += 1;
}

/**
 * A packed part's repeats of reports the tally already counted, taken back out of the part; then
 * the part's keys join the tally's (only the keys: a later part's repeat is taken out of that part).
 */
function mergePackedKeys(target: UsageReport, part: UsageReport, keys: PackedKeys): void {
  const earlier = target.packed ?? [];
  for (let slot = 0; slot < keys.groupOf.length; slot += 1) {
    const groupKey = keys.groupKeys[keys.groupOf[slot]!]!;
    const tenant = tenantOfGroup(groupKey);
    const repeated = earlier.some((merged) => packedHas(merged, keys.uuids, slot * 4, tenant)) || (target.seen.get(tenant)?.has(packedUuid(keys.uuids, slot * 4)) ?? false);
    if (repeated) takeBack(part, slot, groupKey);
  }
  target.packed = [...earlier, keys];
}

/**
 * Counts a report once, in its tenant's month, if it falls in the window and passes the filter: the
 * group it joins and its slot (its row of the ledger), or undefined when it is out or a repeat.
 */
function countReport(report: UsageReport, tenant: string, startTime: string, reportUuid: string): [UsageGroup, number] | undefined {
  if (report.tenant !== undefined && tenant !== report.tenant) return undefined;
  if (startTime < report.window.since || startTime >= report.window.until) return undefined;
  const seen = tenantSeen(report, tenant);
  const uuid = packUuid(reportUuid);
  if (seen.has(uuid)) {
    report.repeats += 1;
    return undefined;
  }
  const [key, target] = group(report, tenant, startTime.slice(0, 7));
  target.reports += 1;
  return [target, claimSlot(report, seen, uuid, key)];
}

/** A user activity report's users and summed counters, from its parsed record: what the line reader gives, the generic way. */
export function userActivitySighting(event: StoredUsageReport): UserActivitySighting {
  const sighting: UserActivitySighting = {
    tenant: event.tenant,
    reportUuid: event.report_uuid,
    startTime: event.start_time,
    users: [],
    kinds: [],
    counters: new Float64Array(COUNTER_FIELDS.length),
  };
  for (const record of list(event.report['records'])) {
    sighting.users.push(identityKey(record['user_name'] as string));
    sighting.kinds.push(userKindCode(record['user_kind']));
    for (const field in record) {
      const index = COUNTER_INDEX.get(field);
      if (index !== undefined) sighting.counters[index]! += Number(record[field]);
    }
  }
  return sighting;
}

function addUserActivity(report: UsageReport, sighting: UserActivitySighting): void {
  const counted = countReport(report, sighting.tenant, sighting.startTime, sighting.reportUuid);
  if (counted === undefined) return;
  const [target, slot] = counted;
  const { users, kinds, counters } = sighting;
  for (let index = 0; index < users.length; index += 1) {
    const user = users[index]!;
    const kind = kinds[index]!;
    const known = target.users.get(user);
    if (known === undefined || known < kind) target.users.set(user, kind);
  }
  const [ledger, base] = ledgerRow(report, slot);
  ledger.set(counters, base);
  for (let index = 0; index < COUNTER_FIELDS.length; index += 1) target.counters[index]! += counters[index]!;
}

/** Stored user activity lines, read without JSON.parse where they are in the store's own spelling (user-activity-line.ts). */
const readUserActivityLine = userActivityLineReader({ counterFields: COUNTER_FIELDS, userKindCode, userKeyLength: IDENTITY_KEY_LENGTH });

export const usageFold: Fold<UsageReport> = {
  empty: (window, options) => {
    const tenant = (options as UsageOptions | undefined)?.tenant;
    return {
      window,
      ...(tenant === undefined ? {} : { tenant }),
      groups: new Map(),
      seen: new Map(),
      groupOf: [],
      ledger: [],
      repeats: 0,
      skipped: 0,
    };
  },
  valid: (record) => isUsageReport(record.event),
  add(report, record: StoredRecord) {
    const event = record.event as StoredUsageReport;
    if (event.kind === 'user_activity') {
      addUserActivity(report, userActivitySighting(event));
      return;
    }
    const counted = countReport(report, event.tenant, event.start_time, event.report_uuid);
    if (counted === undefined) return;
    const [target] = counted;
    if (event.kind === 'bot_instance_activity') {
      for (const record of list(event.report['records'])) target.botInstances.add(identityKey(record['bot_instance_id'] as string));
    } else if (event.kind === 'resource_presence') {
      const hour = event.start_time.slice(0, 13);
      for (const kindReport of list(event.report['resource_kind_reports'])) {
        const tally = resourceTally(target, resourceKindLabel(kindReport['resource_kind']));
        const inHour = addToSet<string>(tally.hours, hour);
        for (const id of (kindReport['resource_ids'] as string[] | undefined) ?? []) {
          tally.ids.add(id);
          inHour.add(id);
        }
      }
    }
  },
  readLine: readUserActivityLine,
  addRead: (report, read) => addUserActivity(report, (read as UserActivityLine).sighting),
  merge(target, part) {
    if (part.packed !== undefined) {
      // A worker's part: its keys are buffers, checked against every part merged before it.
      for (const keys of part.packed) mergePackedKeys(target, part, keys);
      mergeGroups(target, part);
      return;
    }
    // The first part becomes the tally instead of being copied into an empty one: the main thread
    // then holds one copy of each report's key and counters, not two. Safe here because every
    // table of this fold is a Map, which postMessage keeps a Map (no prototype for a key to reach).
    if (target.groupOf.length === 0 && target.groups.size === 0) {
      target.groups = part.groups;
      target.seen = part.seen;
      target.groupOf = part.groupOf;
      target.ledger = part.ledger;
      target.repeats += part.repeats;
      target.skipped += part.skipped;
      return;
    }
    // A repeated report can land in another worker's share of the segments: there too it counts
    // once. Its counters are taken back from the part; its distinct members are a union anyway.
    for (const [tenant, partSeen] of part.seen) {
      const seen = tenantSeen(target, tenant);
      for (const [uuid, slot] of partSeen) {
        const [ledger, base] = ledgerRow(part, slot);
        if (!seen.has(uuid) && !packedHasText(target, uuid, tenant)) {
          const [intoLedger, into] = ledgerRow(target, claimSlot(target, seen, uuid, part.groupOf[slot]!));
          intoLedger.set(ledger.subarray(base, base + COUNTER_FIELDS.length), into);
          continue;
        }
        takeBack(part, slot, part.groupOf[slot]!);
      }
    }
    mergeGroups(target, part);
  },
  skip: (report) => {
    report.skipped += 1;
  },
  // A worker packs its keys into buffers (PackedKeys), which move to the main thread with the ledger instead of being copied.
  transfer: (report) => {
    const keys = pack(report);
    report.packed = [keys];
    return [...report.ledger.map((chunk) => chunk.buffer as ArrayBuffer), keys.uuids.buffer as ArrayBuffer, keys.order.buffer as ArrayBuffer, keys.groupOf.buffer as ArrayBuffer];
  },
};

/** The part's groups into the tally's, and its counts of repeats and skips. */
function mergeGroups(target: UsageReport, part: UsageReport): void {
  target.repeats += part.repeats;
  target.skipped += part.skipped;
  for (const from of part.groups.values()) {
    const [, into] = group(target, from.tenant, from.month);
    into.reports += from.reports;
    for (let index = 0; index < from.counters.length; index += 1) into.counters[index]! += from.counters[index]!;
    for (const [user, kind] of from.users) into.users.set(user, Math.max(into.users.get(user) ?? 0, kind));
    for (const instance of from.botInstances) into.botInstances.add(instance);
    for (const [kind, tally] of from.resources) {
      const intoTally = resourceTally(into, kind);
      for (const id of tally.ids) intoTally.ids.add(id);
      for (const [hour, ids] of tally.hours) {
        const intoHour = addToSet<string>(intoTally.hours, hour);
        for (const id of ids) intoHour.add(id);
      }
    }
  }
}
