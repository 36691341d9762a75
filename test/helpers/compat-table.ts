/** Reads the tables of docs/compatibility.md ("Compatibility with Teleport's tbot"), so tests can hold each row to its verdict. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VERDICTS = ['same', 'same, local CA', 'needs a Teleport cluster: error'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface CompatRow {
  /** The ## heading the row sits under. */
  section: string;
  /** The first code span of the first cell: the key, output, command, flag or env var. */
  name: string;
  verdict: Verdict;
}

export const COMPAT_PAGE = fileURLToPath(new URL('../../docs/compatibility.md', import.meta.url));

export function readCompatTable(text = readFileSync(COMPAT_PAGE, 'utf8')): CompatRow[] {
  if (!text.startsWith("# Compatibility with Teleport's tbot\n")) throw new Error('docs/compatibility.md does not start with its "Compatibility with Teleport\'s tbot" title');
  const rows: CompatRow[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (!line.startsWith('| `')) continue;
    const cells = line.split(' | ').map((cell) => cell.replace(/^\|\s*|\s*\|$/g, '').trim());
    const name = /`([^`]+)`/.exec(cells[0] ?? '')?.[1];
    const verdict = cells[1] as Verdict;
    if (name === undefined || !VERDICTS.includes(verdict)) throw new Error(`docs/compatibility.md: a compatibility row is malformed: ${line}`);
    rows.push({ section, name, verdict });
  }
  return rows;
}
