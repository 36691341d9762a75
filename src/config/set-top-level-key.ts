/**
 * Sets one top-level boolean key of a YAML config by editing its text, not by re-printing the
 * document: only the value's characters change (or one line is appended), so every comment,
 * quote style and indentation the user chose stays exactly as it was. The yaml package's
 * Document API finds where the value sits; re-stringifying the document would re-indent lists
 * and re-quote strings. Pure: text in, text out.
 */
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';

export interface KeyEdit {
  text: string;
  /** The value before, as written in the file; undefined when the key was absent. */
  before?: string;
  /** The 1-based line the key is on after the edit. */
  line: number;
  changed: boolean;
}

export function setTopLevelBoolean(file: string, text: string, key: string, value: boolean): KeyEdit {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    const error = doc.errors[0] as (typeof doc.errors)[number];
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new ConfigError([{ origin: { kind: 'file', file, line, col }, field: '', problem: `YAML syntax error: ${error.message.split('\n')[0]}` }]);
  }
  const contents = doc.contents;
  const wanted = String(value);
  const lines = text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (contents === null) return append(text, key, wanted, lines + 1);
  if (!isMap(contents) || contents.flow === true) {
    const { line, col } = lineCounter.linePos(contents.range?.[0] ?? 0);
    throw new ConfigError([
      {
        origin: { kind: 'file', file, line, col },
        field: '',
        problem: 'is not a block mapping of config keys, so the key cannot be set in place',
        expected: 'a config file with one key per line',
      },
    ]);
  }
  const pair = contents.items.find((item) => isScalar(item.key) && item.key.value === key);
  if (pair === undefined) return append(text, key, wanted, lines + 1);
  const node = pair.value;
  if (isScalar(node) && node.range !== undefined && node.range !== null) {
    const [start, end] = node.range;
    const before = text.slice(start, end);
    if (node.value === value) return { text, before, line: lineOf(start), changed: false };
    return { text: `${text.slice(0, start)}${wanted}${text.slice(end)}`, before, line: lineOf(start), changed: true };
  }
  const keyNode = pair.key as { range?: [number, number, number] };
  const { line, col } = lineCounter.linePos(keyNode.range?.[0] ?? 0);
  throw new ConfigError([{ origin: { kind: 'file', file, line, col }, field: key, problem: 'holds no plain value to replace', expected: `${key}: ${wanted}` }]);
}

function append(text: string, key: string, value: string, line: number): KeyEdit {
  const separator = text.length === 0 || text.endsWith('\n') ? '' : '\n';
  return { text: `${text}${separator}${key}: ${value}\n`, line, changed: true };
}
