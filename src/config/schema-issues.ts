/** Turns ajv errors into ConfigIssues that say where, which field, and what was expected. */
import type { ErrorObject } from 'ajv';
import { MAX_LISTED_ISSUES, type ConfigIssue, type IssueOrigin } from '../errors.js';
import { closest } from '../text/did-you-mean.js';
import type { FieldPath } from './yaml-document.js';

export type Locate = (path: FieldPath, part: 'key' | 'value') => IssueOrigin;

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
  const?: unknown;
  enum?: unknown[];
}

/** Keys that are not v2 keys but that a tbot user may well write, with what to write instead. */
const KEY_HINTS: Record<string, string> = {
  destinations: '`destinations` is a v1 key; in a v2 config they are `outputs` (or `services`), each with a `type`',
  uid: 'a reader is {user: NAME or ID} or {group: NAME or ID}; write the number as the value of `user`',
  gid: 'a reader is {user: NAME or ID} or {group: NAME or ID}; write the number as the value of `group`',
};

/** What to write instead of a key that is not a v2 key but that a tbot user may well write. */
export function keyHint(name: string): string | undefined {
  return Object.hasOwn(KEY_HINTS, name) ? KEY_HINTS[name] : undefined;
}

/** Values that are not accepted but have a well-known replacement. */
const VALUE_HINTS: Record<string, string> = {
  ec2: 'tbot has no "ec2" join method (Teleport services join with it, bots do not); a bot on EC2 joins with "iam"',
};

function withHint(expected: string, hint: string | undefined): string {
  return hint === undefined ? expected : `${expected}; ${hint}`;
}

function suggestionFor(word: string, candidates: readonly unknown[]): string | undefined {
  const near = closest(
    word,
    candidates.filter((candidate): candidate is string => typeof candidate === 'string'),
  );
  return near === undefined ? undefined : `did you mean ${JSON.stringify(near)}?`;
}

export function pathFromPointer(pointer: string): FieldPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((segment) => (/^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : segment));
}

export function formatFieldPath(path: FieldPath): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text === '' ? segment : `${text}.${segment}`), '');
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function list(values: readonly unknown[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ');
}

/**
 * Values are only echoed where they are short identifiers (enum-like). Free-text values may be
 * secrets such as join tokens, so for those only the type is shown.
 */
function describeError(error: ErrorObject, detail: boolean): { extraPath: FieldPath; part: 'key' | 'value'; problem: string; expected?: string } {
  const suggestion = detail ? suggestionFor : () => undefined;
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  const described = schema.description;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(error.params['additionalProperty']);
      // Only where the field, the place and the problem are all that is kept (an unlisted issue), the field list is not spelt out.
      if (!detail) return { extraPath: [name], part: 'key', problem: `unknown field "${name}"` };
      const fields = Object.keys(schema.properties ?? {});
      const expected = `one of the fields ${list(fields)}`;
      return { extraPath: [name], part: 'key', problem: `unknown field "${name}"`, expected: withHint(expected, keyHint(name) ?? suggestion(name, fields)) };
    }
    case 'required': {
      const name = String(error.params['missingProperty']);
      const childDescription = schema.properties?.[name]?.description;
      return { extraPath: [], part: 'value', problem: `missing required field "${name}"`, ...(childDescription === undefined ? {} : { expected: childDescription }) };
    }
    case 'discriminator': {
      const kinds = (schema.oneOf ?? []).map((branch) => branch.properties?.['type']?.const);
      if (error.params['error'] === 'mapping') {
        const tag = error.params['tagValue'];
        const hint = typeof tag === 'string' ? suggestion(tag, kinds) : undefined;
        return { extraPath: ['type'], part: 'value', problem: `unknown type ${JSON.stringify(tag)}`, expected: withHint(`one of ${list(kinds)}`, hint) };
      }
      return { extraPath: [], part: 'value', problem: 'missing or non-string field "type"', expected: `one of ${list(kinds)}` };
    }
    case 'enum': {
      const value = error.data;
      const hint = typeof value === 'string' ? (VALUE_HINTS[value] ?? suggestion(value, schema.enum ?? [])) : undefined;
      return { extraPath: [], part: 'value', problem: `unsupported value ${JSON.stringify(value)}`, expected: withHint(`one of ${list(schema.enum ?? [])}`, hint) };
    }
    case 'anyOf':
      // A union such as "a name or a numeric id": one line about the whole, not one per branch.
      return { extraPath: [], part: 'value', problem: `got ${jsonType(error.data)}`, ...(described === undefined ? {} : { expected: described }) };
    case 'const':
      return { extraPath: [], part: 'value', problem: `unsupported value ${JSON.stringify(error.data)}`, expected: described ?? JSON.stringify(schema.const) };
    case 'type':
      return { extraPath: [], part: 'value', problem: `got ${jsonType(error.data)}`, expected: described ?? `a ${String(error.params['type'])}` };
    case 'pattern':
      // ajv's own message quotes the regex, which tells a user nothing; the description says it in words.
      return { extraPath: [], part: 'value', problem: 'invalid value', ...(described === undefined ? {} : { expected: described }) };
    default:
      return { extraPath: [], part: 'value', problem: `invalid value (${error.message ?? error.keyword})`, ...(described === undefined ? {} : { expected: described }) };
  }
}

export function issuesFromAjv(errors: readonly ErrorObject[], locate: Locate): ConfigIssue[] {
  // With a discriminator, the matching branch's own errors are the useful ones; oneOf adds noise.
  // An anyOf speaks for its branches, whose own errors are dropped.
  const unions = new Set(errors.filter((error) => error.keyword === 'anyOf').map((error) => error.instancePath));
  const useful = errors.filter((error) => (error.keyword !== 'oneOf' || errors.length === 1) && !(unions.has(error.instancePath) && error.schemaPath.includes('/anyOf/')));
  const seen = new Set<string>();
  const placed: { error: ErrorObject; issue: ConfigIssue }[] = [];
  const toIssue = (error: ErrorObject, detail: boolean): ConfigIssue => {
    const described = describeError(error, detail);
    const path = [...pathFromPointer(error.instancePath), ...described.extraPath];
    return {
      origin: locate(path, described.part),
      field: formatFieldPath(path),
      problem: described.problem,
      ...(described.expected === undefined ? {} : { expected: described.expected }),
    };
  };
  for (const error of useful) {
    const issue = toIssue(error, false);
    const key = `${issue.field}|${issue.problem}`;
    if (seen.has(key)) continue;
    seen.add(key);
    placed.push({ error, issue });
  }
  placed.sort((a, b) => originOrder(a.issue.origin) - originOrder(b.issue.origin));
  // "Did you mean" and the list of valid fields are worked out only for the issues that are
  // listed (formatIssueList): a config with tens of thousands of unknown keys would otherwise spend
  // seconds on text nobody reads. The others keep their place, field and problem, and are counted.
  return placed.map(({ error, issue }, index) => (index < MAX_LISTED_ISSUES ? toIssue(error, true) : issue));
}

/** Issues read top to bottom in file order; flag issues come after the file's. */
function originOrder(origin: IssueOrigin): number {
  return origin.kind === 'file' ? origin.line * 100_000 + origin.col : Number.MAX_SAFE_INTEGER;
}
