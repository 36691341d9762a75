/**
 * A strict reader of Prometheus' text exposition format (0.0.4), for tests that scrape /metrics:
 * HELP and TYPE lines, samples with escaped label values, optional timestamps. Anything it does not
 * understand is an error, so a malformed exposition fails the test instead of being skipped.
 */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help?: string;
  type?: string;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new SyntaxError(`bad sample value ${JSON.stringify(text)} in: ${line}`);
  return Number(text);
}

/** Reads `{a="x",b="y\"z"}` starting at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let index = start + 1;
  while (line[index] !== '}') {
    const eq = line.indexOf('=', index);
    const name = line.slice(index, eq).trim();
    if (eq < 0 || !LABEL_NAME.test(name) || line[eq + 1] !== '"') throw new SyntaxError(`bad label at ${index} in: ${line}`);
    let value = '';
    let cursor = eq + 2;
    for (;;) {
      const char = line[cursor];
      if (char === undefined) throw new SyntaxError(`unterminated label value in: ${line}`);
      if (char === '"') break;
      if (char === '\\') {
        const next = line[cursor + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new SyntaxError(`bad escape in: ${line}`);
        cursor += 2;
      } else {
        value += char;
        cursor += 1;
      }
    }
    if (name in labels) throw new SyntaxError(`label ${name} repeated in: ${line}`);
    labels[name] = value;
    index = cursor + 1;
    if (line[index] === ',') index += 1;
    else if (line[index] !== '}') throw new SyntaxError(`expected , or } at ${index} in: ${line}`);
  }
  return [labels, index + 1];
}

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) throw new SyntaxError('the exposition must end with a newline');
  const families = new Map<string, ParsedFamily>();
  const family = (name: string): ParsedFamily => {
    let found = families.get(name);
    if (found === undefined) {
      found = { name, samples: [] };
      families.set(name, found);
    }
    return found;
  };
  const seen = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.trim() === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment !== null) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new SyntaxError(`bad metric name in: ${line}`);
      const target = family(name);
      if (kind === 'HELP') target.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      else {
        if (target.samples.length > 0 || target.type !== undefined) throw new SyntaxError(`TYPE after samples or twice for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new SyntaxError(`bad type in: ${line}`);
        target.type = rest;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const nameEnd = line.search(/[{ ]/);
    const name = line.slice(0, nameEnd);
    if (nameEnd < 0 || !METRIC_NAME.test(name)) throw new SyntaxError(`bad sample line: ${line}`);
    let labels: Record<string, string> = {};
    let rest = nameEnd;
    if (line[nameEnd] === '{') [labels, rest] = parseLabels(line, nameEnd);
    const fields = line.slice(rest).trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2) throw new SyntaxError(`bad sample line: ${line}`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) throw new SyntaxError(`series repeated: ${line}`);
    seen.add(series);
    const base = name.replace(/_(bucket|sum|count)$/, '');
    const owner = families.get(name) ?? families.get(base);
    if (owner === undefined) throw new SyntaxError(`sample without HELP/TYPE: ${line}`);
    owner.samples.push({ name, labels, value: parseValue(fields[0]!, line) });
  }
  return families;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined if there is none. */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number | undefined {
  const matches = (families.get(name)?.samples ?? []).filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}
