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
const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (year: number, month: number): number => (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month]!);

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
  const [year, month, day, hour, minute, second] = [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6])];
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
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60;
  const nanos = match[7] === undefined ? 0 : Number(match[7].padEnd(9, '0'));
  return checkInstant(seconds, nanos);
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date and back, in integer arithmetic (the
 * well-known era/day-of-era method). Every request's timestamp goes through these twice, and Date
 * objects cost several times more (Date.UTC also maps years 0–99 onto 1900–1999).
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1];
}

const two = (value: number): string => (value < 10 ? `0${value}` : String(value));

/**
 * The canonical spelling: UTC, with milliseconds always shown (as JavaScript's toISOString writes
 * them, so what the agent sends is already canonical) and 6 or 9 fraction digits only when needed.
 */
export function formatInstant({ seconds, nanos }: Instant): string {
  const days = Math.floor(seconds / 86_400);
  const inDay = seconds - days * 86_400;
  const [year, month, day] = civilFromDays(days);
  const digits = String(nanos).padStart(9, '0');
  const fraction = digits.endsWith('000000') ? digits.slice(0, 3) : digits.endsWith('000') ? digits.slice(0, 6) : digits;
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(Math.floor(inDay / 3_600))}:${two(Math.floor((inDay % 3_600) / 60))}:${two(inDay % 60)}.${fraction}Z`;
}

/** The instant as milliseconds since the epoch (sub-millisecond digits dropped). */
export const instantMillis = ({ seconds, nanos }: Instant): number => seconds * 1000 + Math.floor(nanos / 1_000_000);

export function instantOf(date: Date): Instant {
  const millis = date.getTime();
  const seconds = Math.floor(millis / 1000);
  return { seconds, nanos: (millis - seconds * 1000) * 1_000_000 };
}
