/**
 * Decoding a request message in either Connect encoding with the runtime descriptors, shared by
 * every service. Both paths end in the same canonical ProtoJSON object, which is what services
 * validate against their JSON Schemas and what the store keeps.
 */
import { fromBinary, fromJson, toJson, type DescMessage, type JsonObject, type JsonValue, type Message } from '@bufbuild/protobuf';
import { ConnectFailure, type Encoding } from './connect-protocol.js';

const decodeFailure = (message: string): ConnectFailure => new ConnectFailure(400, 'invalid_argument', message, 'decode');

/**
 * A field the descriptor does not declare. Binary gives its number and wire type; JSON its key and
 * whether the value is an object (what a message looks like in JSON).
 */
export interface UnknownField {
  /** Where it was, e.g. `events[2].` for a field of a batch's third event ('' at the top). */
  path: string;
  number?: number;
  wireType?: number;
  key?: string;
  isObject?: boolean;
}

/** Given to decodeRequest, unknown fields are skipped and reported here instead of rejected. */
export type OnUnknownField = (field: UnknownField) => void;

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Every unknown field of a decoded message, the values of its message fields and oneofs included. */
function visitUnknownFields(message: Record<string, unknown>, path: string, visit: (field: UnknownField) => void): void {
  for (const field of (message['$unknown'] as { no: number; wireType: number }[] | undefined) ?? []) visit({ path, number: field.no, wireType: field.wireType });
  for (const [key, value] of Object.entries(message)) {
    if (key === '$unknown' || key === '$typeName') continue;
    if (Array.isArray(value)) {
      value.forEach((item, index) => isPlainObject(item) && visitUnknownFields(item, `${path}${key}[${index}].`, visit));
    } else if (isPlainObject(value)) {
      // A oneof holds { case, value }; a message field holds the message itself.
      if (typeof value['case'] === 'string' && isPlainObject(value['value'])) visitUnknownFields(value['value'], `${path}${value['case']}.`, visit);
      else if (typeof value['$typeName'] === 'string') visitUnknownFields(value, `${path}${key}.`, visit);
    }
  }
}

/**
 * Removes the JSON keys `schema` does not declare (by JSON or proto name), reporting each, and
 * recurses into message fields. Well-known types are left to the library: their JSON is not an
 * object of fields.
 */
function stripUnknownJson(schema: DescMessage, json: JsonObject, path: string, report: OnUnknownField): void {
  for (const key of Object.keys(json)) {
    const field = schema.fields.find((candidate) => candidate.jsonName === key || candidate.name === key);
    const value = json[key];
    if (field === undefined) {
      report({ path, key, isObject: isPlainObject(value) });
      delete json[key];
      continue;
    }
    const message = field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message') ? field.message : undefined;
    if (message === undefined || message.typeName.startsWith('google.protobuf.')) continue;
    if (Array.isArray(value)) value.forEach((item, index) => isPlainObject(item) && stripUnknownJson(message, item as JsonObject, `${path}${field.jsonName}[${index}].`, report));
    else if (isPlainObject(value)) stripUnknownJson(message, value as JsonObject, `${path}${field.jsonName}.`, report);
  }
}

/** The number of the first unknown field in the message or the oneof value it holds, if any. */
function firstUnknownField(message: Record<string, unknown>): string | undefined {
  let first: string | undefined;
  visitUnknownFields(message, '', (field) => (first ??= `${field.path}field number ${field.number}`));
  return first;
}

/** Canonical ProtoJSON: every field present (Go's protojson omits zero values). */
function canonical(schema: DescMessage, message: Message): JsonValue {
  try {
    return toJson(schema, message, { alwaysEmitImplicit: true });
  } catch (error) {
    // A binary Timestamp out of ProtoJSON's range is the client's error, not ours.
    throw decodeFailure((error as Error).message.replace(/^cannot encode (message )?/, ''));
  }
}

function parseJsonText(body: Buffer): JsonValue {
  let text: string;
  try {
    // Invalid UTF-8 must not be silently replaced with U+FFFD and stored.
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw decodeFailure('body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw decodeFailure(error instanceof RangeError ? 'JSON nested too deeply' : 'malformed JSON');
  }
}

/**
 * `isCanonical` lets a service accept, as is, a JSON body already in canonical form (what our own
 * clients send), skipping the reflective round trip; anything else goes through it. Unknown fields
 * are rejected unless `onUnknownField` is given; then they are skipped, reported, and never part
 * of the result, so nothing undeclared can reach the store.
 */
export function decodeRequest(schema: DescMessage, encoding: Encoding, body: Buffer, isCanonical: (value: unknown) => boolean = () => false, onUnknownField?: OnUnknownField): JsonValue {
  if (encoding === 'json') {
    const parsed = parseJsonText(body);
    if (isCanonical(parsed)) return parsed;
    if (onUnknownField !== undefined && isPlainObject(parsed)) stripUnknownJson(schema, parsed as JsonObject, '', onUnknownField);
    try {
      return canonical(schema, fromJson(schema, parsed, { ignoreUnknownFields: false }));
    } catch (error) {
      if (error instanceof ConnectFailure) throw error;
      throw decodeFailure((error as Error).message.replace(/^cannot decode (message )?/, ''));
    }
  }
  let message: Message;
  try {
    message = fromBinary(schema, body, { readUnknownFields: true });
  } catch (error) {
    throw decodeFailure(`malformed protobuf: ${(error as Error).message}`);
  }
  if (onUnknownField !== undefined) {
    visitUnknownFields(message as unknown as Record<string, unknown>, '', onUnknownField);
  } else {
    const unknown = firstUnknownField(message as unknown as Record<string, unknown>);
    if (unknown !== undefined) throw decodeFailure(`unknown field: ${unknown}`);
  }
  return canonical(schema, message);
}
