/** The report window: "30d", "12h", "90m" before now, or an ISO date. */
export function parseSince(text: string, now: Date): Date | undefined {
  const relative = /^(\d+)([dhm])$/.exec(text);
  if (relative !== null) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const absolute = Date.parse(text);
  return Number.isNaN(absolute) ? undefined : new Date(absolute);
}

export const percent = (part: number, whole: number): string => (whole === 0 ? '0.0%' : `${((100 * part) / whole).toFixed(1)}%`);

export function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Descending by count, then by key, so equal counts print in a stable order. */
export const ranked = (entries: Iterable<[string, number]>): [string, number][] => [...entries].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
