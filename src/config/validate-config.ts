/**
 * Raw config → schema errors, checked part by part: the document without its entries, then each
 * `services` / `outputs` entry by the validator of its own kind, loaded only when a config uses
 * that kind. Errors carry their full path, as from one validator over the whole document.
 */
import type { ErrorObject } from 'ajv';
import { CONFIG_ENTRY_KINDS, sectionModuleOf, type ConfigEntryKind } from '../schemas/config-sections.js';
import { configValidator } from '../schemas/config-validators.js';
import type { FieldPath } from './yaml-document.js';

const ENTRY_LISTS = ['services', 'outputs'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointer(path: FieldPath): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/**
 * The error ajv's discriminator gives for an entry whose `type` is missing or unknown, in the same
 * shape, so that it is described in the same words (schema-issues.ts) as every other problem.
 */
function typeError(at: FieldPath, type: unknown): ErrorObject {
  const known = typeof type === 'string';
  return {
    keyword: 'discriminator',
    instancePath: pointer(at),
    schemaPath: '#/definitions/entry/discriminator',
    params: known ? { error: 'mapping', tag: 'type', tagValue: type } : { error: 'tag', tag: 'type', tagValue: type },
    message: known ? 'value of tag "type" must be in oneOf' : 'tag "type" must be string',
    parentSchema: { oneOf: CONFIG_ENTRY_KINDS.map((kind) => ({ properties: { type: { const: kind } } })) },
  };
}

/** Every schema error of the config; entries for which `skip` holds (cluster-only ones) are not checked. */
export async function validateRawConfig(raw: unknown, skip: (at: FieldPath) => boolean): Promise<ErrorObject[]> {
  const top = await configValidator('top');
  const errors: ErrorObject[] = top(raw) ? [] : [...(top.errors ?? [])];
  if (!isRecord(raw)) return errors;
  for (const list of ENTRY_LISTS) {
    const entries = raw[list];
    if (!Array.isArray(entries)) continue;
    for (const [index, entry] of entries.entries()) {
      const at: FieldPath = [list, index];
      // A non-mapping entry was reported by the top part.
      if (!isRecord(entry) || skip(at)) continue;
      const type = entry['type'];
      if (typeof type !== 'string' || sectionModuleOf(type) === undefined) {
        errors.push(typeError(at, type));
        continue;
      }
      const validate = await configValidator(type as ConfigEntryKind);
      if (validate(entry)) continue;
      const prefix = pointer(at);
      for (const error of validate.errors ?? []) errors.push({ ...error, instancePath: `${prefix}${error.instancePath}` });
    }
  }
  return errors;
}
