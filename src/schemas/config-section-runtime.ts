/**
 * Dev and unit tests: a config-sections/ module's validators, compiled at run time. build.mjs
 * replaces every config-sections/ module with ajv standalone code, so the bundle never reaches
 * this module (nor ajv's compiler).
 */
import type { Ajv } from 'ajv';
import { configSectionRef, createSchemaAjv } from './catalog.js';
import { CONFIG_SECTION_MODULES, type ConfigSectionModule } from './config-sections.js';
import type { Validator } from './validators.js';

let ajv: Ajv | undefined;

export function compileConfigSection(module: ConfigSectionModule): Readonly<Record<string, Validator>> {
  ajv ??= createSchemaAjv();
  const compiler = ajv;
  const parts: readonly string[] = module === 'top' ? ['top'] : CONFIG_SECTION_MODULES[module];
  return Object.fromEntries(
    parts.map((part) => {
      const ref = configSectionRef(part as Parameters<typeof configSectionRef>[0]);
      const validate = compiler.getSchema(ref);
      if (validate === undefined) throw new Error(`schema ${ref} is not registered`);
      return [part, validate];
    }),
  );
}
