/**
 * The catalog's JSON Schema validators, compiled on first use. src/schemas/validators.ts compiles
 * every schema at import, which under tsx costs most of a second at every start; an example app
 * checks two at most, and one whose user said no (or was never asked) checks none.
 */
import type { ValidateFunction } from 'ajv';
import type { SchemaValidator } from '../../src/reporting/index.js';
import { createSchemaAjv, VALIDATOR_REFS, type ValidatorName } from '../../src/schemas/catalog.js';

let ajv: ReturnType<typeof createSchemaAjv> | undefined;

export function lazyValidator(name: ValidatorName): SchemaValidator {
  let compiled: ValidateFunction | undefined;
  const validate: SchemaValidator = (data) => {
    ajv ??= createSchemaAjv();
    compiled ??= ajv.getSchema(VALIDATOR_REFS[name]);
    if (compiled === undefined) throw new Error(`schema ${VALIDATOR_REFS[name]} is not in the catalog`);
    const valid = compiled(data) as boolean;
    validate.errors = compiled.errors ?? null;
    return valid;
  };
  return validate;
}
