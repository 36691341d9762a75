/**
 * The Retry-After response header (RFC 9110 §10.2.3): either a number of seconds or an HTTP-date.
 * Returns the wait it asks for in milliseconds, never negative, or undefined when the header is
 * absent or unreadable (the caller then keeps its own schedule).
 */
export function retryAfterMs(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names its weekday and GMT; Date.parse alone would also take "1" or "2026".
  if (!/^[A-Za-z]{3},? .*GMT$|^[A-Za-z]+day, .*GMT$|^[A-Za-z]{3} [A-Za-z]{3} .*\d{4}$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
