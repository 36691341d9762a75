/**
 * A cheap first look at ProtoJSON before `fromJson` is asked: does a parsed value have the
 * canonical shape `toJson(…, { useProtoFieldName: true })` writes for a message (proto field names,
 * 64-bit integers as decimal strings, bytes as standard base64, enums by name or number, RFC 3339
 * timestamps)? Checking a shape allocates nothing, where `fromJson` builds a whole message, decodes
 * every base64 field and turns every 64-bit counter into a bigint: on a billing report that was
 * half of the time spent re-checking what the store wrote.
 *
 * The answer is one-sided by design. `true` means `fromJson` (with ignoreUnknownFields false)
 * accepts the value: every rule below is a narrowing of one of its rules. `false` means only "not
 * the canonical shape"; the caller then asks `fromJson`, so nothing it accepts or refuses changes.
 * Field kinds this does not model (maps, oneofs, floats, other well-known types) answer `false`.
 */
import { isPaddedBase64 } from './anonymized.js';
import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';

/** `depth`: messages open around the value, as fromJson counts them against its recursion limit. */
type ShapeCheck = (json: unknown, depth: number) => boolean;

/** Well under fromJson's recursion limit (100), so a deep value is always left to fromJson. */
const MAX_DEPTH = 64;

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
/** Up to 19 digits: always below 2^64, and without the sign always below 2^63. */
const UNSIGNED_64 = /^(?:0|[1-9]\d{0,18})$/;
/** Up to 18 digits with an optional sign: always inside int64. */
const SIGNED_64 = /^-?(?:0|[1-9]\d{0,17})$/;
/** fromJson's own RFC 3339 rule, narrowed to UTC ("Z"). */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d{1,9})?Z$/;
const TIMESTAMP_MS_MIN = Date.parse('0001-01-01T00:00:00Z');
const TIMESTAMP_MS_MAX = Date.parse('9999-12-31T23:59:59Z');
/** A string without surrogates is well-formed UTF-16; one with any is left to fromJson's own test. */
const SURROGATE = /[\uD800-\uDFFF]/;

const isPlainObject = (json: unknown): json is Record<string, unknown> => typeof json === 'object' && json !== null && !Array.isArray(json);

function scalarCheck(scalar: ScalarType): ShapeCheck | undefined {
  switch (scalar) {
    case ScalarType.STRING:
      return (json) => typeof json === 'string' && !SURROGATE.test(json);
    case ScalarType.BOOL:
      return (json) => typeof json === 'boolean';
    case ScalarType.BYTES:
      // Standard base64 with its padding, the spelling toJson writes (fromJson also takes URL-safe and unpadded).
      return (json) => typeof json === 'string' && isPaddedBase64(json);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return (json) => typeof json === 'number' && Number.isInteger(json) && json >= INT32_MIN && json <= INT32_MAX;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return (json) => typeof json === 'number' && Number.isInteger(json) && json >= 0 && json <= UINT32_MAX;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return (json) => typeof json === 'string' && UNSIGNED_64.test(json);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return (json) => typeof json === 'string' && SIGNED_64.test(json);
    default:
      // Floats: their special strings and float32 range are fromJson's to judge.
      return undefined;
  }
}

/** A name the enum declares, or any int32 (proto3 enums are open: fromJson keeps unknown numbers). */
function enumCheck(descEnum: DescEnum): ShapeCheck | undefined {
  if (!descEnum.open) return undefined;
  const names = new Set(descEnum.values.map((value) => value.name));
  return (json) => (typeof json === 'string' ? names.has(json) : typeof json === 'number' && Number.isInteger(json) && json >= INT32_MIN && json <= INT32_MAX);
}

/** A google.protobuf.Timestamp in the canonical ProtoJSON spelling (RFC 3339 in UTC), within its range. */
export function isCanonicalTimestamp(json: unknown): boolean {
  if (typeof json !== 'string') return false;
  const match = TIMESTAMP.exec(json);
  if (match === null) return false;
  const ms = Date.parse(`${match[1]}Z`);
  return ms >= TIMESTAMP_MS_MIN && ms <= TIMESTAMP_MS_MAX;
}

const compiled = new WeakMap<DescMessage, ShapeCheck>();
const NEVER: ShapeCheck = () => false;

function messageCheck(message: DescMessage): ShapeCheck {
  if (message.typeName === 'google.protobuf.Timestamp') return isCanonicalTimestamp;
  // Other well-known types have JSON forms of their own; messages with oneofs have a rule across fields.
  if (message.typeName.startsWith('google.protobuf.') || message.oneofs.length > 0) return NEVER;
  return shapeOf(message);
}

/** A message-typed value, one level deeper; resolved on first use, so a message that contains itself compiles once. */
const nested =
  (message: DescMessage): ShapeCheck =>
  (json, depth) =>
    depth < MAX_DEPTH && messageCheck(message)(json, depth + 1);

function valueCheck(field: DescField): ShapeCheck | undefined {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarCheck(field.scalar);
    case 'enum':
      return enumCheck(field.enum);
    case 'message':
      return nested(field.message);
    case 'list': {
      const item = field.listKind === 'scalar' ? scalarCheck(field.scalar) : field.listKind === 'enum' ? enumCheck(field.enum) : nested(field.message);
      if (item === undefined) return undefined;
      return (json, depth) => {
        if (!Array.isArray(json)) return false;
        for (const value of json) if (!item(value, depth)) return false;
        return true;
      };
    }
    default:
      return undefined;
  }
}

/**
 * Whether `json` has the canonical ProtoJSON shape of `message`: every key is a field's proto
 * name, and every value has that field's canonical JSON shape. `true` means fromJson accepts it.
 */
export const hasCanonicalShape = (message: DescMessage, json: unknown): boolean => shapeOf(message)(json, 1);

/** The shape check of `message`, compiled once per message. */
function shapeOf(message: DescMessage): ShapeCheck {
  const found = compiled.get(message);
  if (found !== undefined) return found;
  const byName = new Map<string, ShapeCheck>();
  let modelled = true;
  const check: ShapeCheck = (json, depth) => {
    if (!modelled || !isPlainObject(json)) return false;
    for (const key in json) {
      // for…in also walks inherited keys; a parsed object has none, anything else is left to fromJson.
      if (!Object.hasOwn(json, key)) return false;
      const value = byName.get(key);
      if (value === undefined || !value(json[key], depth)) return false;
    }
    return true;
  };
  compiled.set(message, check);
  for (const field of message.fields) {
    const value = valueCheck(field);
    if (value === undefined) modelled = false;
    else byName.set(field.name, value);
  }
  return check;
}

const spelled = { proto: new WeakMap<DescMessage, ReadonlyMap<string, DescField>>(), json: new WeakMap<DescMessage, ReadonlyMap<string, DescField>>() };
function fieldsBySpelling(message: DescMessage, spelling: 'proto' | 'json'): ReadonlyMap<string, DescField> {
  let found = spelled[spelling].get(message);
  if (found === undefined) {
    found = new Map(message.fields.map((field) => [spelling === 'proto' ? field.name : field.jsonName, field]));
    spelled[spelling].set(message, found);
  }
  return found;
}

/**
 * Whether every key of `json`, at every depth, is a field of its message spelled one way: by proto
 * name (`db_sessions`, what the usage store writes) or by JSON name (`dbSessions`, what the
 * product-event store writes). fromJson takes either, so a record check that leans on it would
 * also pass a line spelled the other way, whose fields every reader looking up the store's own
 * names would miss (an anonymity check among them). Well-known types are values, not looked into.
 */
export function usesOnlyFieldNames(message: DescMessage, json: unknown, spelling: 'proto' | 'json', depth = 0): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || depth > MAX_DEPTH) return false;
  const byName = fieldsBySpelling(message, spelling);
  for (const [key, value] of Object.entries(json)) {
    const field = byName.get(key);
    if (field === undefined) return false;
    const inner = field.fieldKind === 'message' ? field.message : field.fieldKind === 'list' && field.listKind === 'message' ? field.message : undefined;
    if (inner === undefined || inner.typeName.startsWith('google.protobuf.') || value === null) continue;
    for (const element of Array.isArray(value) ? value : [value]) if (!usesOnlyFieldNames(inner, element, spelling, depth + 1)) return false;
  }
  return true;
}
