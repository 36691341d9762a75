/**
 * Decoding request messages in either Connect encoding with the runtime descriptors, shared by
 * every service. Proto3 receivers skip fields they do not know (a newer sender may have added
 * them), so both decoders skip them too, and say which they skipped: nothing unknown is ever
 * passed on, so nothing new can reach the store. Everything else a ProtoJSON or binary parser
 * refuses is refused here, as invalid_argument.
 */
import { fromBinary, fromJson, toJson, type DescField, type DescMessage, type JsonObject, type JsonValue, type Message } from '@bufbuild/protobuf';
import { ConnectFailure } from './connect-protocol.js';

export const decodeFailure = (message: string): ConnectFailure => new ConnectFailure('invalid_argument', message, 'decode');

/**
 * A field the descriptor does not declare, skipped. Binary gives its number and wire type; JSON
 * its key and whether the value is an object (what a message looks like in JSON), which is how a
 * service tells an event newer than its contract from mere noise.
 */
export interface UnknownField {
  /** Where it was, e.g. `events[2].` for a field of a batch's third event ('' at the top). */
  path: string;
  number?: number;
  wireType?: number;
  key?: string;
  isObject?: boolean;
  /** Binary only: the field's bytes as read (a length-delimited field's include its length). */
  data?: Uint8Array;
}

/** Invalid UTF-8 must not be silently replaced with U+FFFD and stored. One decoder serves every call (none streams). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function parseJsonBody(body: Buffer): JsonValue {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw decodeFailure('body is not valid UTF-8');
  }
  // As connect-go does: an empty message in JSON is "{}", so an empty body is not one.
  if (text === '') throw decodeFailure('malformed JSON: an empty body is not a JSON object');
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw decodeFailure(error instanceof RangeError ? 'JSON nested too deeply' : 'malformed JSON');
  }
}

export const isJsonObject = (value: JsonValue | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Well-known types have their own JSON shapes (a Timestamp is a string), so their keys are not fields. */
const hasFieldKeys = (schema: DescMessage): boolean => !schema.typeName.startsWith('google.protobuf.');

function fieldByJsonKey(schema: DescMessage): Map<string, DescField> {
  // ProtoJSON parsers accept both the lowerCamel JSON name and the proto field name.
  return new Map(schema.fields.flatMap((field) => [[field.jsonName, field] as const, [field.name, field] as const]));
}

/**
 * A copy of `value` without the keys `schema` does not define, at any depth, and the keys left
 * out. `path` prefixes where each was found.
 */
export function withoutUnknownJsonFields(schema: DescMessage, value: JsonValue, path = ''): { value: JsonValue; unknown: UnknownField[] } {
  if (!isJsonObject(value) || !hasFieldKeys(schema)) return { value, unknown: [] };
  const fields = fieldByJsonKey(schema);
  const kept: JsonObject = {};
  const unknown: UnknownField[] = [];
  const nested = (message: DescMessage, inner: JsonValue, at: string): JsonValue => {
    const stripped = withoutUnknownJsonFields(message, inner, at);
    unknown.push(...stripped.unknown);
    return stripped.value;
  };
  for (const [key, inner] of Object.entries(value)) {
    const field = fields.get(key);
    if (field === undefined) {
      unknown.push({ path, key, isObject: isJsonObject(inner) });
      continue;
    }
    const at = `${path}${field.jsonName}`;
    if (field.fieldKind === 'message') kept[key] = nested(field.message, inner, `${at}.`);
    else if (field.fieldKind === 'list' && field.listKind === 'message' && Array.isArray(inner))
      kept[key] = inner.map((element, index) => nested(field.message, element, `${at}[${index}].`));
    else if (field.fieldKind === 'map' && field.mapKind === 'message' && isJsonObject(inner))
      kept[key] = Object.fromEntries(Object.entries(inner).map(([mapKey, element]) => [mapKey, nested(field.message, element, `${at}.${mapKey}.`)]));
    else kept[key] = inner;
  }
  return { value: kept, unknown };
}

/** Where a message's nested messages are: the only places a binary decode can keep unknown fields besides the message itself. */
interface NestedFields {
  /** Message, list-of-message and map-to-message fields outside oneofs, by property name. */
  fields: { key: string; kind: 'message' | 'list' | 'map'; message: DescMessage }[];
  /** Oneofs with message members: the oneof's property name, and its members' messages by case. */
  oneofs: { key: string; members: Map<string, DescMessage> }[];
}

const nestedFields = new WeakMap<DescMessage, NestedFields>();

function nestedFieldsOf(schema: DescMessage): NestedFields {
  const found = nestedFields.get(schema);
  if (found !== undefined) return found;
  const made: NestedFields = { fields: [], oneofs: [] };
  for (const field of schema.fields) {
    if (field.oneof !== undefined) continue;
    if (field.fieldKind === 'message') made.fields.push({ key: field.localName, kind: 'message', message: field.message });
    else if (field.fieldKind === 'list' && field.listKind === 'message') made.fields.push({ key: field.localName, kind: 'list', message: field.message });
    else if (field.fieldKind === 'map' && field.mapKind === 'message') made.fields.push({ key: field.localName, kind: 'map', message: field.message });
  }
  for (const oneof of schema.oneofs) {
    const members = new Map(oneof.fields.flatMap((field) => (field.fieldKind === 'message' ? [[field.localName, field.message] as const] : [])));
    if (members.size > 0) made.oneofs.push({ key: oneof.localName, members });
  }
  nestedFields.set(schema, made);
  return made;
}

/**
 * Unknown fields a binary decode kept aside, through every nested message, list, map and oneof.
 * The walk follows the schema's message-typed fields only: a usage report's 50 records hold 25
 * fields each, and visiting every one of them was a seventh of a usage call's CPU.
 */
export function unknownBinaryFields(schema: DescMessage, message: unknown, path = '', found: UnknownField[] = []): UnknownField[] {
  if (!isNested(message)) return found;
  const fields = message as Record<string, unknown>;
  const unknown = fields['$unknown'] as { no: number; wireType: number; data: Uint8Array }[] | undefined;
  if (unknown !== undefined) for (const { no, wireType, data } of unknown) found.push({ path, number: no, wireType, data });
  const nested = nestedFieldsOf(schema);
  for (const { key, kind, message: inner } of nested.fields) {
    const value = fields[key];
    if (value === undefined || value === null) continue;
    if (kind === 'message') unknownBinaryFields(inner, value, `${path}${key}.`, found);
    else if (kind === 'list') {
      const list = value as unknown[];
      for (let index = 0; index < list.length; index += 1) unknownBinaryFields(inner, list[index], `${path}${key}[${index}].`, found);
    } else for (const [mapKey, element] of Object.entries(value as Record<string, unknown>)) unknownBinaryFields(inner, element, `${path}${key}.${mapKey}.`, found);
  }
  for (const { key, members } of nested.oneofs) {
    const value = fields[key] as { case?: string; value?: unknown } | undefined;
    const member = value?.case === undefined ? undefined : members.get(value.case);
    if (member !== undefined) unknownBinaryFields(member, value!.value, `${path}${value!.case}.`, found);
  }
  return found;
}

/** A value that may hold a message: an object that is not bytes. */
const isNested = (value: unknown): value is object => typeof value === 'object' && value !== null && !(value instanceof Uint8Array);

const withoutPrefix = (error: unknown): string => (error as Error).message.replace(/^cannot (?:decode|encode) (?:message |field )?/, '');

/**
 * Canonical ProtoJSON of a message: every implicit field present (Go's protojson omits zero
 * values), unknown fields gone. A value JSON cannot carry (a Timestamp outside its range) is the
 * client's fault, so it is refused rather than left to fail as an internal error.
 */
export function canonicalJson(schema: DescMessage, message: Message): JsonValue {
  try {
    return toJson(schema, message, { alwaysEmitImplicit: true });
  } catch (error) {
    throw decodeFailure(withoutPrefix(error));
  }
}

/** Parsed JSON → canonical ProtoJSON, skipping (and listing) unknown fields; `at` prefixes messages and paths. */
export function decodeJsonMessage(schema: DescMessage, value: JsonValue, at = ''): { json: JsonValue; unknown: UnknownField[] } {
  const stripped = withoutUnknownJsonFields(schema, value, at);
  let message: Message;
  try {
    // Unknown keys are gone already; anything else unknown (an enum name) is still an error.
    message = fromJson(schema, stripped.value, { ignoreUnknownFields: false });
  } catch (error) {
    throw decodeFailure(`${at}${withoutPrefix(error)}`);
  }
  return { json: canonicalJson(schema, message), unknown: stripped.unknown };
}

/** Binary protobuf → the decoded message; unknown fields stay in `$unknown` for unknownBinaryFields. */
export function decodeBinaryMessage<T extends Message>(schema: DescMessage, body: Buffer): T {
  try {
    return fromBinary(schema, body, { readUnknownFields: true }) as T;
  } catch (error) {
    throw decodeFailure(`malformed protobuf: ${(error as Error).message}`);
  }
}
