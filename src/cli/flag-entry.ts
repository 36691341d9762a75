/**
 * A `start <kind>` / `configure <kind>` command line → the output entry it describes, as YAML
 * would hold it, with the flag behind each field so that messages blame the right flag.
 */
import { destinationFromUri, URI_EXPECTED } from '../config/destination-uri.js';
import type { FlagEntry } from '../config/flag-overrides.js';
import { ConfigError, UsageError } from '../errors.js';
import type { CommandDef, FlagDef, Invocation } from './command-types.js';

type Json = Record<string, unknown>;

function setPath(target: Json, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  node[path[path.length - 1] as string] = value;
}

function asList(value: string | boolean | readonly string[]): string[] {
  return Array.isArray(value) ? [...(value as readonly string[])] : [String(value)];
}

/** `k1=v1,k2=v2` → entries; tbot's --label-selector syntax. */
function parseLabels(text: string, flagName: string): [string, string][] {
  return text.split(',').map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--${flagName}: "${pair}" is not a label; expected key=value pairs separated by commas, such as env=prod,team=a`);
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  });
}

export function entryFromFlags(command: CommandDef, invocation: Invocation): FlagEntry | undefined {
  if (command.entryType === undefined || command.entryType === '') return undefined;
  const raw: Json = { type: command.entryType };
  const labels: Record<string, string> = { '': `tbot ${invocation.path.join(' ')}` };
  const given = (def: FlagDef): boolean => def.field !== undefined && invocation.values[def.name] !== undefined;
  const flagsWithFields = command.flags.filter(given);
  const readers: Json[] = [];
  const selectors: Json[] = [];

  for (const def of flagsWithFields) {
    const value = invocation.values[def.name] as string | boolean | readonly string[];
    const field = def.field as string;
    const label = invocation.labels[def.name] ?? `--${def.name}`;
    if (field === 'destination') {
      const parsed = destinationFromUri(String(value));
      if (!parsed.ok)
        throw new ConfigError([{ origin: { kind: 'flag', flag: label }, field: 'destination', problem: `"${String(value)}" ${parsed.problem}`, expected: URI_EXPECTED }]);
      raw['destination'] = parsed.destination;
      labels['destination'] = label;
    } else if (field.startsWith('destination.readers.')) {
      const key = field.slice('destination.readers.'.length);
      for (const item of asList(value)) readers.push({ [key]: item });
      labels['destination.readers'] = label;
    } else if (field === 'selectors.name' || field === 'selectors.labels') {
      for (const item of asList(value)) selectors.push(field === 'selectors.name' ? { name: item } : { labels: Object.fromEntries(parseLabels(item, def.name)) });
      labels['selectors'] = label;
    } else if (field === 'selector.labels') {
      // Workload identity labels map each key to a list of accepted values.
      const pairs = parseLabels(String(value), def.name);
      const map: Record<string, string[]> = {};
      for (const [key, item] of pairs) {
        const values = map[key] ?? [];
        values.push(item);
        map[key] = values;
      }
      setPath(raw, ['selector', 'labels'], map);
      labels['selector'] = label;
    } else {
      setPath(raw, field.split('.'), def.repeatable === true ? asList(value) : value);
      labels[field] = label;
    }
  }
  if (readers.length > 0) {
    const destination = raw['destination'] as Json | undefined;
    if (destination?.['type'] !== 'directory') throw new UsageError('--reader-user and --reader-group only work with a directory destination');
    destination['readers'] = readers;
  }
  if (selectors.length > 0) raw['selectors'] = selectors;
  const selector = raw['selector'] as Json | undefined;
  const needsSelector = command.flags.some((def) => def.field === 'selector.name' || def.field === 'selectors.name');
  if (needsSelector) {
    const count = raw['selectors'] === undefined ? (selector === undefined ? 0 : Object.keys(selector).length) : selectors.length;
    if (count === 0) throw new UsageError('name a selector: --name-selector NAME (or --label-selector k=v, which needs a Teleport cluster)');
    if (selector !== undefined && Object.keys(selector).length > 1) throw new UsageError('--name-selector and --label-selector cannot both be given');
  }
  return { raw, labels };
}
