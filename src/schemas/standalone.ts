/** Build-time only: ESM source of every catalog validator, precompiled by ajv. */
import standalone from 'ajv/dist/standalone/index.js';
import { createSchemaAjv, VALIDATOR_REFS } from './catalog.js';

export function standaloneValidatorsSource(): string {
  return standalone.default(createSchemaAjv(), { ...VALIDATOR_REFS });
}
