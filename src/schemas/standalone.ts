/** Build-time only: ESM source of every catalog validator, and of each config-sections/ module, precompiled by ajv. */
import standalone from 'ajv/dist/standalone/index.js';
import { configSectionRefs, createSchemaAjv, VALIDATOR_REFS } from './catalog.js';
import { CONFIG_SECTION_MODULES, type ConfigSectionModule } from './config-sections.js';

export function standaloneValidatorsSource(): string {
  return standalone.default(createSchemaAjv(), { ...VALIDATOR_REFS });
}

/** Module name → its source: the standalone functions, and `validators` mapping each part (`top` or a kind) to one. */
export function standaloneConfigSectionSources(): Record<ConfigSectionModule, string> {
  const ajv = createSchemaAjv();
  const sources = {} as Record<ConfigSectionModule, string>;
  for (const module of Object.keys(CONFIG_SECTION_MODULES) as ConfigSectionModule[]) {
    const refs = configSectionRefs(module);
    const parts: readonly string[] = module === 'top' ? ['top'] : CONFIG_SECTION_MODULES[module];
    const table = parts.map((part, index) => `${JSON.stringify(part)}: v${index}`).join(', ');
    sources[module] = `${standalone.default(ajv, refs)}\nexport const validators = { ${table} };\n`;
  }
  return sources;
}
