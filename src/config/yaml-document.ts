/**
 * Parses YAML while keeping a map back to source positions, so that schema errors found later on
 * plain data can still name the line and column they came from.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node, type Pair, type YAMLMap } from 'yaml';
import { ConfigError, type ConfigIssue, type IssueOrigin } from '../errors.js';

export type FieldPath = readonly (string | number)[];

export interface PositionedDocument {
  readonly file: string;
  readonly data: unknown;
  /** Where the key (for unknown fields) or the value at `path` sits in the file. */
  locate(path: FieldPath, part: 'key' | 'value'): IssueOrigin;
}

/** Aliases are legal YAML but a config has no use for thousands of them (billion-laughs guard). */
const MAX_ALIAS_COUNT = 100;

export function parsePositionedYaml(file: string, text: string): PositionedDocument {
  const lineCounter = new LineCounter();
  // The library's own uniqueKeys check compares each key with every earlier one: with tens of
  // thousands of keys that is most of the run. keyIndex below finds duplicates in one pass.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number): IssueOrigin => {
    const { line, col } = lineCounter.linePos(offset);
    return { kind: 'file', file, line, col };
  };

  const syntax: ConfigIssue[] = doc.errors.map((error) => ({
    origin: at(error.pos[0]),
    field: '',
    problem: `YAML syntax error: ${firstLine(error.message)}`,
  }));
  const indexes = new Map<YAMLMap, Map<string, Pair>>();
  if (syntax.length === 0) {
    visit(doc, {
      Map(_, map) {
        const index = new Map<string, Pair>();
        for (const item of map.items) {
          if (!isScalar(item.key)) continue;
          const name = String(item.key.value);
          if (index.has(name)) syntax.push({ origin: at(item.key.range?.[0] ?? 0), field: '', problem: 'YAML syntax error: Map keys must be unique' });
          else index.set(name, item);
        }
        indexes.set(map, index);
      },
    });
  }
  if (syntax.length > 0) throw new ConfigError(syntax);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new ConfigError([{ origin: { kind: 'file-unplaced', file }, field: '', problem: `YAML cannot be loaded: ${String((error as Error).message)}` }]);
  }

  const locate = (path: FieldPath, part: 'key' | 'value'): IssueOrigin => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const segment of path) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair = indexes.get(node)?.get(String(segment));
        if (pair === undefined || !isPair(pair)) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else {
        break;
      }
    }
    const target = (part === 'key' && keyNode !== undefined ? keyNode : node) as Node | null | undefined;
    const offset = target?.range?.[0];
    return offset === undefined ? { kind: 'file', file, line: 1, col: 1 } : at(offset);
  };

  return { file, data, locate };
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
