/**
 * An event type says, for every field that can hold a string, whether the reporter anonymizes it
 * or sends it as is. The declaration is checked by the compiler: a string field left out is a type
 * error, and so is a name-like field (cluster_name, user_name, hostname, address, email) declared
 * anything but 'anonymize'. The reporter applies the declaration inside capture(), so a clear
 * cluster name never gets past the call that captured it.
 */

export type FieldValue = string | number | boolean;
/** 'anonymize': replaced by the anonymizer's output in capture(). 'plain': sent as is; keep it to a fixed vocabulary the service's schema pins down. */
export type FieldRule = 'anonymize' | 'plain';

/** Flat events only: every field a string, number or boolean (or absent). */
export type EventFields<F> = { [K in keyof F]: FieldValue | undefined };

/** The keys of F whose values can be strings (plain strings, literal unions, optional or not). */
export type StringFieldKey<F> = { [K in keyof F]-?: [Extract<F[K], string>] extends [never] ? never : K }[keyof F] & string;

/** Field names that always carry a name or an address. */
export type NameLikeKey =
  | `${string}cluster_name`
  | `${string}clusterName`
  | `${string}ClusterName`
  | `${string}user_name`
  | `${string}userName`
  | `${string}UserName`
  | `${string}hostname`
  | `${string}host_name`
  | `${string}address`
  | `${string}Address`
  | `${string}email`;
export const NAME_LIKE = /(cluster_?name|user_?name|host_?name|address|email)$/i;

export type FieldRules<F> = { readonly [K in StringFieldKey<F>]: K extends NameLikeKey ? 'anonymize' : FieldRule };

export interface EventTypeDefinition<F extends EventFields<F>> {
  /** The event's usage-metrics name, e.g. tbot.heartbeat or connect.tab.open. */
  name: string;
  fields: FieldRules<F>;
  /** The event's part of the request (e.g. `{ start: {...} }`), from fields already anonymized. */
  toWire(fields: F): unknown;
}

export interface EventType<F extends EventFields<F>> {
  readonly name: string;
  readonly rules: FieldRules<F>;
  /** The fields capture() anonymizes, in declaration order. */
  readonly sensitive: readonly StringFieldKey<F>[];
  readonly toWire: (fields: F) => unknown;
  /** An event of this type, ready for Reporter.capture. */
  create(fields: F): ReporterEvent<F>;
}

export interface ReporterEvent<F extends EventFields<F>> {
  readonly type: EventType<F>;
  readonly fields: F;
}

// biome-ignore lint/suspicious/noExplicitAny: F is both taken (create, toWire) and given back (rules, events), so no narrower type accepts every event type
export type AnyEventType = EventType<any>;

export class EventTypeDefinitionError extends Error {
  override name = 'EventTypeDefinitionError';
}

export function defineEventType<F extends EventFields<F>>(definition: EventTypeDefinition<F>): EventType<F> {
  const entries = Object.entries(definition.fields as Record<string, unknown>);
  // The compiler already refuses these; JavaScript callers get the same rules at run time.
  for (const [field, rule] of entries) {
    if (rule !== 'anonymize' && rule !== 'plain') throw new EventTypeDefinitionError(`${definition.name}.${field}: rule ${JSON.stringify(rule)}; expected "anonymize" or "plain"`);
    if (rule !== 'anonymize' && NAME_LIKE.test(field)) throw new EventTypeDefinitionError(`${definition.name}.${field}: a name or address field must be declared "anonymize"`);
  }
  const type: EventType<F> = {
    name: definition.name,
    rules: definition.fields,
    sensitive: entries.filter(([, rule]) => rule === 'anonymize').map(([field]) => field as StringFieldKey<F>),
    toWire: definition.toWire,
    create: (fields) => ({ type, fields }),
  };
  return Object.freeze(type);
}
