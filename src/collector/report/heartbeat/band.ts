/**
 * The usual renewal failure rate, so a bad day stands out: over the window's days that had any
 * renewal attempt, the median daily failure rate plus BAND_K robust standard deviations (the
 * median absolute deviation × 1.4826, which is the standard deviation for normal data), and at
 * least MIN_WIDTH above the median, so a fleet that usually fails 0% is not alarmed by one failure
 * in a thousand. Median and MAD, not mean and standard deviation, because the incident days this
 * looks for would otherwise widen the band that is meant to expose them.
 */
import { failureRate, type HeartbeatReport } from './fold.js';

export const BAND_K = 3;
export const MAD_TO_SD = 1.4826;
/** At least one percentage point above the median. */
export const MIN_WIDTH = 0.01;
/** Fewer days than this define no usual band, and no day is marked. */
export const MIN_DAYS = 7;

export interface UsualBand {
  /** Days with attempts the band was computed over. */
  days: number;
  median: number;
  mad: number;
  /** Failure rates above this are unusual. */
  upper: number;
}

export interface UnusualDay {
  day: string;
  rate: number;
}

function median(sorted: readonly number[]): number {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The daily failure rates of the days with any attempt, in day order. */
export function dailyRates(report: HeartbeatReport): [day: string, rate: number][] {
  return Object.keys(report.perDay)
    .sort()
    .flatMap((day): [string, number][] => {
      const rate = failureRate(report.perDay[day]!);
      return rate === undefined ? [] : [[day, rate]];
    });
}

/** The usual band over these rates, or null with fewer than MIN_DAYS of them. */
export function usualBand(rates: readonly number[]): UsualBand | null {
  if (rates.length < MIN_DAYS) return null;
  const sorted = [...rates].sort((a, b) => a - b);
  const middle = median(sorted);
  const mad = median(sorted.map((rate) => Math.abs(rate - middle)).sort((a, b) => a - b));
  return { days: rates.length, median: middle, mad, upper: middle + Math.max(BAND_K * MAD_TO_SD * mad, MIN_WIDTH) };
}

/** The band of the report's days, and the days above it (none without a band). */
export function renewalHealth(report: HeartbeatReport): { band: UsualBand | null; daysAbove: UnusualDay[] } {
  const rates = dailyRates(report);
  const band = usualBand(rates.map(([, rate]) => rate));
  return { band, daysAbove: band === null ? [] : rates.filter(([, rate]) => rate > band.upper).map(([day, rate]) => ({ day, rate })) };
}
