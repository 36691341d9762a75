/**
 * The JSON Schemas under schemas/ and the named validators compiled from them. Both the runtime
 * compiler (dev, unit tests) and the build-time standalone generator read this one list.
 */
import { Ajv, type Options } from 'ajv';
import commonSchema from '../../schemas/common.schema.json' with { type: 'json' };
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import eventSchema from '../../schemas/tbot-event.schema.json' with { type: 'json' };
import heartbeatSchema from '../../schemas/tbot-heartbeat.schema.json' with { type: 'json' };
import receivedEventSchema from '../../schemas/tbot-event.received.schema.json' with { type: 'json' };
import usageCommonSchema from '../../schemas/usage-common.schema.json' with { type: 'json' };
import usageVocabulariesSchema from '../../schemas/usage-vocabularies.schema.json' with { type: 'json' };
import connectEventSchema from '../../schemas/connect-event.schema.json' with { type: 'json' };
import connectExtraEventSchema from '../../schemas/connect-extra-event.schema.json' with { type: 'json' };
import discoverEventSchema from '../../schemas/discover-event.schema.json' with { type: 'json' };

export const SCHEMAS = [
  commonSchema,
  configSchema,
  eventSchema,
  receivedEventSchema,
  heartbeatSchema,
  usageCommonSchema,
  usageVocabulariesSchema,
  connectEventSchema,
  connectExtraEventSchema,
  discoverEventSchema,
] as const;

/** Exported validator name → schema reference. */
export const VALIDATOR_REFS = {
  validateConfig: configSchema.$id,
  validateSubmitTbotEvent: eventSchema.$id,
  validateHelperName: `${eventSchema.$id}#/definitions/helperName`,
  validateHelperVersion: `${eventSchema.$id}#/definitions/helperVersion`,
  /** What the collector accepts and stores (tolerant receive), after decoding and cleaning. */
  validateReceivedTbotEvent: receivedEventSchema.$id,
  validateSubmitHeartbeat: heartbeatSchema.$id,
  validateSubmitConnectEvent: connectEventSchema.$id,
  validateSubmitConnectExtraEvent: connectExtraEventSchema.$id,
  validateSubmitDiscoverEvent: discoverEventSchema.$id,
} as const;

export type ValidatorName = keyof typeof VALIDATOR_REFS;

const AJV_OPTIONS: Options = {
  allErrors: true,
  // verbose keeps parentSchema on each error, which is where the human "expected" text lives.
  verbose: true,
  discriminator: true,
  strict: true,
  // The schemas are trusted and fixed; unicode-aware regexes cost nothing here.
  unicodeRegExp: true,
  code: { source: true, esm: true, lines: false },
};

export function createSchemaAjv(): Ajv {
  return new Ajv({ ...AJV_OPTIONS, schemas: [...SCHEMAS] });
}
