/**
 * Runtime-compiled validators, used under tsx and in unit tests. build.mjs swaps this module for
 * ajv standalone code generated from the same catalog, so the bundle carries no schema compiler.
 */
import type { ErrorObject } from 'ajv';
import { createSchemaAjv, VALIDATOR_REFS, type ValidatorName } from './catalog.js';

const ajv = createSchemaAjv();

/** A boolean check (not a type guard: callers narrow to the hand-written types themselves). */
export interface Validator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

function compiled(name: ValidatorName): Validator {
  const fn = ajv.getSchema(VALIDATOR_REFS[name]);
  if (fn === undefined) throw new Error(`schema ${VALIDATOR_REFS[name]} is not registered`);
  return fn;
}

export const validateSubmitTbotEvent = compiled('validateSubmitTbotEvent');
export const validateHelperName = compiled('validateHelperName');
export const validateHelperVersion = compiled('validateHelperVersion');
export const validateReceivedTbotEvent = compiled('validateReceivedTbotEvent');
export const validateSubmitHeartbeat = compiled('validateSubmitHeartbeat');
export const validateSubmitConnectEvent = compiled('validateSubmitConnectEvent');
export const validateSubmitConnectExtraEvent = compiled('validateSubmitConnectExtraEvent');
export const validateSubmitDiscoverEvent = compiled('validateSubmitDiscoverEvent');
