/**
 * Reads the runnable parts of the docs (README.md and docs/*.md) so a test can run them, and the
 * links between pages so a test can follow them. The conventions are described for writers in
 * docs/development.md ("Docs that run"):
 *
 * - ```` ```sh doctest ```` is a block the test runs (bash, stderr into stdout), expecting exit 0;
 *   ```` ```sh doctest exit=1 ```` expects that code instead.
 * - ```` ```sh doctest serve ```` starts a long-running command (a collector) in the background; the
 *   test goes on once its output matches the block's output block, and stops it after the page.
 * - ```` ```output ```` right after a runnable block is the output it must print. No output block
 *   means it must print nothing. After any other block, an output block is only shown.
 * - ```` ```yaml file=bot.yaml ```` (any language) is written to that file before the blocks after it.
 *
 * Wildcards in an output block: `{{any}}` (any text within a line), `{{n}}` (a number), `{{time}}`
 * (an RFC 3339 UTC time), `{{date}}` (2026-12-05 or 5 Dec 2026), `{{uuid}}`, `{{dir}}` (the
 * directory the block runs in), `{{port}}` (in a serve block: the port it listens on), and a line
 * holding only `{{...}}`, which stands for any number of lines.
 */

import { closest } from '../../src/text/did-you-mean.js';

export type DocBlock = { kind: 'run'; line: number; script: string; exit: number; serve: boolean; expected: string } | { kind: 'file'; line: number; name: string; text: string };

export class DocSyntaxError extends Error {
  constructor(page: string, line: number, message: string) {
    super(`${page}:${line}: ${message}`);
    this.name = 'DocSyntaxError';
  }
}

interface Fence {
  line: number;
  info: string[];
  body: string;
}

/** Every fenced block of a page, with its 1-based opening line and its info string's words. */
export function fences(page: string, text: string): Fence[] {
  const lines = text.split('\n');
  const found: Fence[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    // A fence may be indented (inside a list item); its lines lose that indentation.
    // As in CommonMark, a backtick fence's info string has no backtick (```` ```x ```` is inline code).
    const open = /^( {0,4})(`{3,})([^`]*)$/.exec(lines[index] ?? '');
    if (open === null) continue;
    const indent = (open[1] as string).length;
    const marker = open[2] as string;
    const body: string[] = [];
    let close = index + 1;
    while (close < lines.length && !closes(lines[close] ?? '', marker)) body.push((lines[close++] ?? '').replace(new RegExp(`^ {0,${indent}}`), ''));
    if (close >= lines.length) throw new DocSyntaxError(page, index + 1, 'a fenced block is never closed');
    found.push({ line: index + 1, info: (open[3] ?? '').trim().split(/\s+/).filter(Boolean), body: body.join('\n') });
    index = close;
  }
  return found;
}

/** The blocks the test acts on, in page order. */
export function docBlocks(page: string, text: string): DocBlock[] {
  const all = fences(page, text);
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let index = 0; index < all.length; index += 1) {
    const fence = all[index] as Fence;
    const file = fence.info.find((word) => word.startsWith('file='));
    if (file !== undefined) {
      const name = file.slice('file='.length);
      if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.split('/').includes('..')) throw new DocSyntaxError(page, fence.line, `file=${name} must be a relative path`);
      blocks.push({ kind: 'file', line: fence.line, name, text: `${fence.body}\n` });
      continue;
    }
    // An output block after a block that is not run only shows what a command prints (systemctl, say).
    if (fence.info[0] === 'output') continue;
    if (fence.info[1] !== 'doctest') {
      if (fence.info.some((word) => word === 'doctest' || closest(word, ['doctest']) !== undefined))
        throw new DocSyntaxError(page, fence.line, 'a runnable block is marked `sh doctest`, with the marker second');
      continue;
    }
    if (fence.info[0] !== 'sh') throw new DocSyntaxError(page, fence.line, 'a doctest block is `sh doctest`');
    let exit = 0;
    let serve = false;
    for (const word of fence.info.slice(2)) {
      const code = /^exit=(\d{1,3})$/.exec(word);
      if (code !== null) exit = Number(code[1]);
      else if (word === 'serve') serve = true;
      else throw new DocSyntaxError(page, fence.line, `unknown doctest option "${word}" (expected exit=N or serve)`);
    }
    const next = all[index + 1];
    // The output block must come right after, with nothing but blank lines between.
    const closeLine = fence.line + fence.body.split('\n').length + 1;
    const between = next === undefined ? [] : lines.slice(closeLine, next.line - 1);
    const hasOutput = next?.info[0] === 'output' && between.every((line) => line.trim() === '');
    if (serve && !hasOutput) throw new DocSyntaxError(page, fence.line, 'a serve block needs an output block to wait for');
    blocks.push({ kind: 'run', line: fence.line, script: fence.body, exit, serve, expected: hasOutput ? (next as Fence).body : '' });
  }
  return blocks;
}

const PLACEHOLDERS: Record<string, string> = {
  any: '[^\\n]*?',
  n: '-?\\d[\\d,]*(?:\\.\\d+)?',
  time: '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z',
  date: '(?:\\d{4}-\\d\\d-\\d\\d|\\d{1,2} [A-Z][a-z]{2} \\d{4})',
  uuid: '[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}',
  port: '(?<port>\\d{1,5})',
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Output as compared: no trailing spaces on a line, no trailing blank lines, `\n` line ends. */
export function normalizeOutput(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/** The expected output as one anchored pattern. `dir` is what `{{dir}}` stands for. */
export function outputPattern(expected: string, dir: string): RegExp {
  const lines = normalizeOutput(expected).split('\n');
  const source = lines
    .map((line) => {
      if (line === '{{...}}') return '(?:[^\\n]*\\n)*?';
      const pattern = line.split(/(\{\{[a-z.]+\}\})/).map((part) => {
        const name = /^\{\{([a-z]+)\}\}$/.exec(part)?.[1];
        if (name === 'dir') return escapeRegExp(dir);
        if (name !== undefined && PLACEHOLDERS[name] !== undefined) return PLACEHOLDERS[name];
        if (/\{\{.*\}\}/.test(part)) throw new Error(`unknown wildcard ${part} in an output block (see test/helpers/doc-blocks.ts)`);
        return escapeRegExp(part);
      });
      return `${pattern.join('')}\\n`;
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/** Whether `actual` is what `expected` shows; the match carries `{{port}}` when there is one. */
export function matchOutput(expected: string, actual: string, dir: string): RegExpExecArray | null {
  const text = normalizeOutput(actual);
  return outputPattern(expected, dir).exec(`${text}\n`);
}

/** GitHub's anchor for a heading: links, code and bold markers dropped, lower case, punctuation removed, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a page defines: one per heading, with -1, -2 … for repeats, as GitHub numbers them. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  for (const line of withoutFences(text)) {
    const heading = /^#{1,6} (.+)$/.exec(line.text)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading.trim());
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

export interface DocLink {
  line: number;
  target: string;
}

/** The relative links of a page (not http:, https: or mailto:), outside fenced blocks and code spans. */
export function relativeLinks(text: string): DocLink[] {
  const links: DocLink[] = [];
  for (const { line, text: content } of withoutFences(text)) {
    const prose = content.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1] as string;
      if (/^(https?|mailto):/i.test(target)) continue;
      links.push({ line, target });
    }
  }
  return links;
}

/** A closing fence: at least as many backticks as the opening one, and nothing else. */
function closes(line: string, marker: string): boolean {
  const trimmed = line.trimStart();
  return trimmed.startsWith(marker) && /^`+\s*$/.test(trimmed);
}

function withoutFences(text: string): { line: number; text: string }[] {
  const kept: { line: number; text: string }[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((content, index) => {
    const marker = /^ {0,4}(`{3,})[^`]*$/.exec(content)?.[1];
    if (fence === undefined && marker !== undefined) fence = marker;
    else if (fence !== undefined && closes(content, fence)) fence = undefined;
    else if (fence === undefined) kept.push({ line: index + 1, text: content });
  });
  return kept;
}
