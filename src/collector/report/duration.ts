/** How every report shows a length of time. */

/**
 * 95 s → "1m35s", 3659 s → "1h01m"; null → "-". Every duration any report shows goes through here.
 * Rounded once, to the smallest unit shown (seconds under an hour, minutes from an hour on), then
 * split into units: rounding each unit on its own gave "6m60s" for 419.6 s, and cutting the
 * seconds off an hour-long time showed 1h00m for 1h00m59s.
 */
export function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  const twoDigits = (n: number): string => String(n).padStart(2, '0');
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${twoDigits(whole % 60)}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${twoDigits(minutes % 60)}m`;
}
