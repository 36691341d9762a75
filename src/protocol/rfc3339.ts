/**
 * RFC 3339 timestamps as protobuf's Timestamp allows them (years 0001–9999), checked field by
 * field. Date.parse is not enough: V8 rolls 2026-02-30 over into March and accepts hour 24.
 * Every accepted instant has one canonical spelling, in UTC, which is what the collector stores.
 */

/** Seconds since the Unix epoch (whole, possibly negative) and the nanoseconds after them. */
export interface Instant {
  seconds: number;
  nanos: number;
}

/** protobuf's Timestamp range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
export const MIN_SECONDS = -62_135_596_800;
export const MAX_SECONDS = 253_402_300_799;

export type Parsed = { ok: true; instant: Instant } | { ok: false; reason: string };

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number): number => (month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);

const fail = (reason: string): Parsed => ({ ok: false, reason });

/** Range-checks what a binary Timestamp carries. */
export function checkInstant(seconds: number, nanos: number): Parsed {
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) return fail(`nanos ${nanos} outside 0 to 999999999`);
  if (!Number.isSafeInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) return fail('outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z');
  return { ok: true, instant: { seconds, nanos } };
}

export function parseRfc3339(text: string): Parsed {
  const match = SHAPE.exec(text);
  if (match === null) return fail('not an RFC 3339 timestamp; expected YYYY-MM-DDTHH:MM:SS[.fraction] followed by Z or ±HH:MM');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year < 1) return fail('year 0000 does not exist; expected 0001 to 9999');
  if (month < 1 || month > 12) return fail(`month ${match[2]} does not exist`);
  if (day < 1 || day > daysIn(year, month)) return fail(`day ${match[3]} does not exist in ${match[1]}-${match[2]}`);
  // RFC 3339 allows a leap second (60), but protobuf's Timestamp has none, so it is refused too.
  if (hour > 23 || minute > 59 || second > 59) return fail(`time ${match[4]}:${match[5]}:${match[6]} does not exist`);
  let offsetMinutes = 0;
  if (match[8] !== 'Z') {
    const [offsetHours, offsetMins] = [Number(match[10]), Number(match[11])];
    if (offsetHours > 23 || offsetMins > 59) return fail(`offset ${match[8]} does not exist`);
    offsetMinutes = (match[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // Date.UTC maps years 0–99 onto 1900–1999, so the year is set separately.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const seconds = date.getTime() / 1000 - offsetMinutes * 60;
  const nanos = match[7] === undefined ? 0 : Number(match[7].padEnd(9, '0'));
  return checkInstant(seconds, nanos);
}

/**
 * The canonical spelling: UTC, with milliseconds always shown (as JavaScript's toISOString writes
 * them, so what the agent sends is already canonical) and 6 or 9 fraction digits only when needed.
 */
export function formatInstant({ seconds, nanos }: Instant): string {
  const digits = String(nanos).padStart(9, '0');
  const fraction = digits.endsWith('000000') ? digits.slice(0, 3) : digits.endsWith('000') ? digits.slice(0, 6) : digits;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** The instant as milliseconds since the epoch (sub-millisecond digits dropped). */
export const instantMillis = ({ seconds, nanos }: Instant): number => seconds * 1000 + Math.floor(nanos / 1_000_000);

export function instantOf(date: Date): Instant {
  const millis = date.getTime();
  const seconds = Math.floor(millis / 1000);
  return { seconds, nanos: (millis - seconds * 1000) * 1_000_000 };
}
