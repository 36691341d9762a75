/**
 * The JSON Schemas under schemas/ and the named validators compiled from them. Both the runtime
 * compiler (dev, unit tests) and the build-time standalone generator read this one list.
 */
import { Ajv, type Options } from 'ajv';
import { CONFIG_SECTION_MODULES, type ConfigEntryKind, type ConfigSectionModule } from './config-sections.js';
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

/**
 * The config document with each `outputs` / `services` entry checked only for being a mapping:
 * the entries are checked one by one, each by its own kind's validator (config-sections.ts).
 */
const ENTRY_SHELL = { description: 'an output or service: a mapping with a type', type: 'object' };
const { entry: _entries, ...definitionsBesideEntries } = configSchema.definitions;
const configTopSchema = {
  ...configSchema,
  $id: configSchema.$id.replace('config.schema.json', 'config-top.schema.json'),
  // Without the entry list: with verbose errors, the standalone code carries the schemas it checks against.
  definitions: definitionsBesideEntries,
  properties: {
    ...configSchema.properties,
    outputs: { ...configSchema.properties.outputs, items: ENTRY_SHELL },
    services: { ...configSchema.properties.services, items: ENTRY_SHELL },
  },
};

export const SCHEMAS = [
  commonSchema,
  configSchema,
  configTopSchema,
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

/** The schema reference of the config's top part, or of one entry kind's branch of the entry list. */
export function configSectionRef(part: 'top' | ConfigEntryKind): string {
  if (part === 'top') return configTopSchema.$id;
  const index = configSchema.definitions.entry.oneOf.findIndex((branch) => branch.properties.type.const === part);
  if (index < 0) throw new Error(`the config schema has no entry kind ${part}`);
  return `${configSchema.$id}#/definitions/entry/oneOf/${index}`;
}

/** Export name → reference for each validator of one config-sections/ module (names are identifiers; kinds are not). */
export function configSectionRefs(module: ConfigSectionModule): Record<string, string> {
  const parts: readonly ('top' | ConfigEntryKind)[] = module === 'top' ? ['top'] : CONFIG_SECTION_MODULES[module];
  return Object.fromEntries(parts.map((part, index) => [`v${index}`, configSectionRef(part)]));
}

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
