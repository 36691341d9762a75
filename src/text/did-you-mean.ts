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
export function closest(word: string, candidates: Iterable<string>, options: ClosestOptions = {}): string | undefined {
  const fold = (text: string): string => text.toLowerCase().replaceAll('_', '-');
  const target = fold(word);
  const limit = Math.max(1, Math.floor(target.length / 3));
  const list = [...candidates];
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of list) {
    // The distance is at least the difference in length: most candidates need no table at all.
    if (candidate === word || Math.abs(candidate.length - target.length) > limit) continue;
    const distance = editDistance(target, fold(candidate));
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  if (best !== undefined || options.wordsLeftOut !== true) return best?.candidate;
  // `static_key_path` is many edits from `static_private_key_path`, but it is that key with a
  // word left out; only a single such candidate is a safe guess.
  const words = target.split('-');
  const fuller = list.filter((candidate) => candidate !== word && hasWordsInOrder(fold(candidate).split('-'), words));
  return words.length >= 2 && fuller.length === 1 ? fuller[0] : undefined;
}

export interface ClosestOptions {
  /** Also suggest the one candidate that holds all of the word's `_`/`-` separated words, in order, plus others. */
  wordsLeftOut?: boolean;
}

function hasWordsInOrder(candidate: readonly string[], words: readonly string[]): boolean {
  let next = 0;
  for (const part of candidate) if (part === words[next]) next += 1;
  return next === words.length && candidate.length > words.length;
}

/** `did you mean "x"?` or an empty string, ready to append to a message. */
export function didYouMean(word: string, candidates: Iterable<string>, quote: (text: string) => string = (text) => `"${text}"`, options: ClosestOptions = {}): string {
  const suggestion = closest(word, candidates, options);
  return suggestion === undefined ? '' : `did you mean ${quote(suggestion)}?`;
}
