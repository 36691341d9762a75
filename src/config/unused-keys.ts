/**
 * Keys that Go's tbot reads past without a word, which this agent loads and warns about instead.
 *
 * tbot decodes each `outputs` / `services` entry, and the storage destination, through yaml.v3's
 * Node.Decode, which starts a fresh decoder: the KnownFields(true) of ReadConfig does not reach
 * them, so an unknown key anywhere inside is ignored. Since BotConfig got its own UnmarshalYAML (for
 * the certificate_ttl rename), the whole document goes that way, so `onboarding` is lenient too,
 * and so, in fact, is the top level. This agent stays strict at the top level on purpose: a typo
 * there (`outptus:`) leaves an agent that does nothing, and no copied snippet needs it.
 * Configs copied from Teleport's pages rely on the rest (a shared snippet adds `roles:` to outputs
 * that have none), so refusing them would refuse what tbot runs.
 */
import type { ErrorObject } from 'ajv';
import { formatOrigin, type IssueOrigin } from '../errors.js';
import { didYouMean } from '../text/did-you-mean.js';
import { formatFieldPath, keyHint, pathFromPointer, type Locate } from './schema-issues.js';
import type { FieldPath } from './yaml-document.js';

/** The top-level keys under which tbot ignores unknown keys, at any depth. */
export const KEYS_TBOT_DECODES_LENIENTLY: ReadonlySet<string> = new Set(['onboarding', 'storage', 'outputs', 'services']);

/** How many ignored keys are named one by one; the rest are counted. */
export const MAX_LISTED_UNUSED_KEYS = 20;

export interface UnusedKey {
  path: FieldPath;
  /** The keys that would have been read at that level, for "did you mean". */
  known: readonly string[];
}

/** True for an ajv "unknown key" error that tbot would have ignored. */
function unusedKeyOf(error: ErrorObject): UnusedKey | undefined {
  if (error.keyword !== 'additionalProperties') return undefined;
  const parent = pathFromPointer(error.instancePath);
  const root = parent[0];
  if (typeof root !== 'string' || !KEYS_TBOT_DECODES_LENIENTLY.has(root)) return undefined;
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  return { path: [...parent, String(error.params['additionalProperty'])], known: Object.keys(properties) };
}

/** Splits schema errors into those that stand and the unknown keys tbot ignores. */
export function separateUnusedKeys(errors: readonly ErrorObject[]): { errors: ErrorObject[]; unused: UnusedKey[] } {
  const standing: ErrorObject[] = [];
  const unused: UnusedKey[] = [];
  for (const error of errors) {
    const key = unusedKeyOf(error);
    if (key === undefined) standing.push(error);
    else unused.push(key);
  }
  return { errors: standing, unused };
}

/** `file:line:col: outputs[2].roles is not used by tbot; ignored`, the first few, then a count. */
export function unusedKeyWarnings(unused: readonly UnusedKey[], locate: Locate): string[] {
  // In file order, as the errors are: ajv reports an entry's own keys before those nested in it.
  const placed = unused.map((key) => ({ ...key, origin: locate(key.path, 'key') })).sort((a, b) => fileOrder(a.origin) - fileOrder(b.origin));
  const listed = placed.slice(0, MAX_LISTED_UNUSED_KEYS).map(({ path, known, origin }) => {
    const name = String(path[path.length - 1]);
    const hint = keyHint(name) ?? didYouMean(name, known, (text) => `"${text}"`, { wordsLeftOut: true });
    return `${formatOrigin(origin)}: ${formatFieldPath(path)} is not used by tbot; ignored${hint === '' ? '' : `; ${hint}`}`;
  });
  const more = unused.length - listed.length;
  if (more > 0) listed.push(`and ${more} more keys that tbot does not use; ignored`);
  return listed;
}

function fileOrder(origin: IssueOrigin): number {
  return origin.kind === 'file' ? origin.line * 100_000 + origin.col : Number.MAX_SAFE_INTEGER;
}
