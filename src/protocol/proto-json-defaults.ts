/**
 * ProtoJSON with every implicit field written out, from ProtoJSON that may leave them out. The
 * store keeps usage reports without their zero values (a user record is mostly zero counters, and
 * writing them made a report five times its size); PostHog gets each record with every field, as
 * it always has, so a property that was 0 does not turn into a missing one. Field order is the
 * schema's, which is what `toJson(…, { alwaysEmitImplicit: true })` writes: a report stored either
 * way goes out byte for byte the same.
 */
import { create, toJson, type DescMessage, type JsonObject } from '@bufbuild/protobuf';

type Filler = (json: Record<string, unknown>) => Record<string, unknown>;

const fillers = new WeakMap<DescMessage, Filler>();

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `json` (proto field names) with each implicit field that is absent set to its default, nested messages too. */
export function withImplicitDefaults(schema: DescMessage, json: Record<string, unknown>): Record<string, unknown> {
  return fillerOf(schema)(json);
}

function fillerOf(schema: DescMessage): Filler {
  const found = fillers.get(schema);
  if (found !== undefined) return found;
  const defaults = toJson(schema, create(schema), { useProtoFieldName: true, alwaysEmitImplicit: true }) as JsonObject;
  const nested = new Map<string, DescMessage>();
  for (const field of schema.fields) if (field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message')) nested.set(field.name, field.message);
  const filler: Filler = (json) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(defaults)) out[key] = json[key] ?? defaults[key];
    for (const key of Object.keys(json)) if (!(key in out)) out[key] = json[key];
    for (const [name, message] of nested) {
      const value = out[name];
      // Well-known types (a Timestamp) are strings in JSON, and left as they are.
      if (Array.isArray(value)) out[name] = value.map((item) => (isObject(item) ? withImplicitDefaults(message, item) : item));
      else if (isObject(value) && !message.typeName.startsWith('google.protobuf.')) out[name] = withImplicitDefaults(message, value);
    }
    return out;
  };
  fillers.set(schema, filler);
  return filler;
}
