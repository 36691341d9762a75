/** Reads the README's "Compatibility with Teleport's tbot" tables, so tests can hold each row to its verdict. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VERDICTS = ['same', 'same, local CA', 'needs a Teleport cluster: error'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface CompatRow {
  /** The ### heading the row sits under. */
  section: string;
  /** The first code span of the first cell: the key, output, command, flag or env var. */
  name: string;
  verdict: Verdict;
}

export const README = fileURLToPath(new URL('../../README.md', import.meta.url));

export function readCompatTable(text = readFileSync(README, 'utf8')): CompatRow[] {
  const start = text.indexOf("\n## Compatibility with Teleport's tbot\n");
  if (start < 0) throw new Error('README has no "Compatibility with Teleport\'s tbot" section');
  const end = text.indexOf('\n## ', start + 1);
  const rows: CompatRow[] = [];
  let section = '';
  for (const line of text.slice(start, end < 0 ? undefined : end).split('\n')) {
    if (line.startsWith('### ')) section = line.slice(4).trim();
    if (!line.startsWith('| `')) continue;
    const cells = line.split(' | ').map((cell) => cell.replace(/^\|\s*|\s*\|$/g, '').trim());
    const name = /`([^`]+)`/.exec(cells[0] ?? '')?.[1];
    const verdict = cells[1] as Verdict;
    if (name === undefined || !VERDICTS.includes(verdict)) throw new Error(`README compatibility row is malformed: ${line}`);
    rows.push({ section, name, verdict });
  }
  return rows;
}
