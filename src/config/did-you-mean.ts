/** "Did you mean …?" for misspelt keys, values, flags and commands. Pure, and light enough for any CLI path. */

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each cost 1, so `renewal_intreval` is one step from `renewal_interval`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[rows - 1] as number[])[cols - 1] as number;
}

/**
 * The candidate nearest to `word`, if it is near enough to be a likely typo: at most a third of
 * the word's length away (and at least one edit allowed). Case and `-`/`_` differences are free,
 * so `--join_method` suggests `--join-method`.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const fold = (text: string): string => text.toLowerCase().replaceAll('_', '-');
  const target = fold(word);
  const limit = Math.max(1, Math.floor(target.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(target, fold(candidate));
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** `did you mean "x"?` or an empty string, ready to append to a message. */
export function didYouMean(word: string, candidates: Iterable<string>, quote: (text: string) => string = (text) => `"${text}"`): string {
  const suggestion = closest(word, candidates);
  return suggestion === undefined ? '' : `did you mean ${quote(suggestion)}?`;
}
