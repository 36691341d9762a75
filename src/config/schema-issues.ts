/** Turns ajv errors into ConfigIssues that say where, which field, and what was expected. */
import type { ErrorObject } from 'ajv';
import type { ConfigIssue, IssueOrigin } from '../errors.js';
import type { FieldPath } from './yaml-document.js';

export type Locate = (path: FieldPath, part: 'key' | 'value') => IssueOrigin;

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
  const?: unknown;
  enum?: unknown[];
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
function describeError(error: ErrorObject): { extraPath: FieldPath; part: 'key' | 'value'; problem: string; expected?: string } {
  const schema = (error.parentSchema ?? {}) as SchemaNode;
  const described = schema.description;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(error.params['additionalProperty']);
      return { extraPath: [name], part: 'key', problem: `unknown field "${name}"`, expected: `one of the fields ${list(Object.keys(schema.properties ?? {}))}` };
    }
    case 'required': {
      const name = String(error.params['missingProperty']);
      const childDescription = schema.properties?.[name]?.description;
      return { extraPath: [], part: 'value', problem: `missing required field "${name}"`, ...(childDescription === undefined ? {} : { expected: childDescription }) };
    }
    case 'discriminator': {
      const kinds = (schema.oneOf ?? []).map((branch) => branch.properties?.['type']?.const);
      if (error.params['error'] === 'mapping') {
        return { extraPath: ['type'], part: 'value', problem: `unknown type ${JSON.stringify(error.params['tagValue'])}`, expected: `one of ${list(kinds)}` };
      }
      return { extraPath: [], part: 'value', problem: 'missing or non-string field "type"', expected: `one of ${list(kinds)}` };
    }
    case 'enum':
      return { extraPath: [], part: 'value', problem: `unsupported value ${JSON.stringify(error.data)}`, expected: `one of ${list(schema.enum ?? [])}` };
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
  const useful = errors.filter((error) => error.keyword !== 'oneOf' || errors.length === 1);
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const error of useful) {
    const described = describeError(error);
    const path = [...pathFromPointer(error.instancePath), ...described.extraPath];
    const issue: ConfigIssue = {
      origin: locate(path, described.part),
      field: formatFieldPath(path),
      problem: described.problem,
      ...(described.expected === undefined ? {} : { expected: described.expected }),
    };
    const key = `${issue.field}|${issue.problem}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues.sort((a, b) => originOrder(a.origin) - originOrder(b.origin));
}

/** Issues read top to bottom in file order; flag issues come after the file's. */
function originOrder(origin: IssueOrigin): number {
  return origin.kind === 'file' ? origin.line * 100_000 + origin.col : Number.MAX_SAFE_INTEGER;
}
