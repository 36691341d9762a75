/**
 * Protobuf binary straight to the ProtoJSON object `toJson(schema, fromBinary(schema, bytes),
 * { useProtoFieldName: true })` gives, without building the message. Kept beside the reference
 * library (protobuf-es) for one reason, measured by bench/usage-ingest.ts: a usage report carries
 * up to thousands of user records, and building each record's message (every field given its
 * default, a bigint per counter) and then turning it into JSON was most of what storing a report
 * cost. The library stays the judge: this answers only for what it models, and gives up
 * (undefined) on anything else, and the caller then asks the library, so what is accepted,
 * refused or stored never differs. test/unit/binary-to-proto-json.test.ts holds it to the library
 * on random messages and on damaged bytes.
 *
 * Modelled: proto3 messages of scalar fields (not float or double), open enums, messages and lists
 * of them, packed or not; implicit presence (zero values left out, as toJson leaves them out) and
 * explicit presence. Given up on: unknown field numbers, wire types that do not match the field,
 * groups, maps, oneofs, well-known types, closed enums, float and double, a singular message field
 * that occurs twice (the library merges them), strings that are not UTF-8, malformed or truncated
 * bytes, a string starting with a byte order mark, and more than MAX_DEPTH nested messages.
 */
import { isUtf8 } from 'node:buffer';
import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';

export type ProtoJsonObject = { [key: string]: ProtoJsonValue };
export type ProtoJsonValue = string | number | boolean | ProtoJsonObject | ProtoJsonValue[];

const MAX_DEPTH = 32;
/** google.protobuf.FeatureSet.FieldPresence */
const IMPLICIT = 2;
const EXPLICIT = 1;

/** Thrown inside the decoder to give up; never leaves this module. */
const GIVE_UP = Symbol('give up');

interface Plan {
  /** The message's fields in field-number order: the order toJson writes them in. */
  fields: DescField[];
  byNumber: Map<number, number>;
}

const plans = new WeakMap<DescMessage, Plan | null>();

function planOf(message: DescMessage): Plan | null {
  let plan = plans.get(message);
  if (plan !== undefined) return plan;
  const modelled = message.oneofs.length === 0 && !message.typeName.startsWith('google.protobuf.') && message.fields.every(isModelled);
  if (modelled) {
    const fields = message.fields.concat().sort((a, b) => a.number - b.number);
    plan = { fields, byNumber: new Map(fields.map((field, index) => [field.number, index])) };
  } else plan = null;
  plans.set(message, plan);
  return plan;
}

const isModelledScalar = (scalar: ScalarType): boolean => scalar !== ScalarType.FLOAT && scalar !== ScalarType.DOUBLE;

function isModelled(field: DescField): boolean {
  if (field.name === '__proto__') return false;
  switch (field.fieldKind) {
    case 'scalar':
      return isModelledScalar(field.scalar) && (field.presence === IMPLICIT || field.presence === EXPLICIT);
    case 'enum':
      return field.enum.open && (field.presence === IMPLICIT || field.presence === EXPLICIT);
    case 'message':
      return true;
    case 'list':
      if (field.listKind === 'message') return true;
      return field.listKind === 'enum' ? field.enum.open : isModelledScalar(field.scalar);
    default:
      return false;
  }
}

/** A cursor over the bytes; every read checks its bounds. */
class Reader {
  pos: number;
  lo = 0;
  hi = 0;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  /** Reads a varint into lo and hi (the low and high 32 bits), as the library does: at most 10 bytes. */
  varint(): void {
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw GIVE_UP;
      const byte = this.buf[this.pos++]!;
      const bits = byte & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >> 4;
      } else hi |= bits << (shift - 32);
      if ((byte & 0x80) === 0) {
        this.lo = lo;
        this.hi = hi;
        return;
      }
    }
    throw GIVE_UP;
  }

  /** A varint that must fit 32 bits unsigned (tags and lengths). */
  uint32(): number {
    this.varint();
    if (this.hi !== 0) throw GIVE_UP;
    return this.lo >>> 0;
  }

  fixed(bytes: 4 | 8): void {
    if (this.pos + bytes > this.end) throw GIVE_UP;
    this.lo = this.buf.readUInt32LE(this.pos);
    this.hi = bytes === 8 ? this.buf.readUInt32LE(this.pos + 4) : 0;
    this.pos += bytes;
  }

  /** The bounds of a length-delimited value, skipped over. */
  delimited(): [number, number] {
    const length = this.uint32();
    const start = this.pos;
    if (length > this.end - start) throw GIVE_UP;
    this.pos = start + length;
    return [start, this.pos];
  }
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** The wire type a scalar's single value comes in. */
function wireTypeOf(scalar: ScalarType): number {
  switch (scalar) {
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WIRE_FIXED64;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return WIRE_FIXED32;
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return WIRE_DELIMITED;
    default:
      return WIRE_VARINT;
  }
}

const unsigned64 = (lo: number, hi: number): string => (hi === 0 ? String(lo >>> 0) : ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString());
const signed64 = (lo: number, hi: number): string => (hi & 0x80000000 ? BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString() : unsigned64(lo, hi));

/** One value of a scalar, read at the reader's position in its wire type, as toJson writes it. */
function scalarValue(scalar: ScalarType, reader: Reader): string | number | boolean {
  switch (scalar) {
    case ScalarType.INT32:
      reader.varint();
      return reader.lo | 0;
    case ScalarType.UINT32:
      reader.varint();
      return reader.lo >>> 0;
    case ScalarType.SINT32:
      reader.varint();
      return (reader.lo >>> 1) ^ -(reader.lo & 1);
    case ScalarType.FIXED32:
      reader.fixed(4);
      return reader.lo >>> 0;
    case ScalarType.SFIXED32:
      reader.fixed(4);
      return reader.lo | 0;
    case ScalarType.INT64:
      reader.varint();
      return signed64(reader.lo, reader.hi);
    case ScalarType.UINT64:
      reader.varint();
      return unsigned64(reader.lo, reader.hi);
    case ScalarType.SINT64: {
      reader.varint();
      const { lo, hi } = reader;
      // Zigzag over 64 bits: (n >>> 1) ^ -(n & 1).
      const value = ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) >> 1n;
      return (lo & 1 ? -value - 1n : value).toString();
    }
    case ScalarType.FIXED64:
      reader.fixed(8);
      return unsigned64(reader.lo, reader.hi);
    case ScalarType.SFIXED64:
      reader.fixed(8);
      return signed64(reader.lo, reader.hi);
    case ScalarType.BOOL:
      reader.varint();
      return reader.lo !== 0 || reader.hi !== 0;
    case ScalarType.STRING: {
      const [start, end] = reader.delimited();
      // The library's TextDecoder drops a leading byte order mark, which Buffer keeps.
      if (!isUtf8(reader.buf.subarray(start, end)) || (end - start >= 3 && reader.buf[start] === 0xef && reader.buf[start + 1] === 0xbb && reader.buf[start + 2] === 0xbf))
        throw GIVE_UP;
      return reader.buf.toString('utf8', start, end);
    }
    case ScalarType.BYTES: {
      const [start, end] = reader.delimited();
      return reader.buf.toString('base64', start, end);
    }
    default:
      throw GIVE_UP;
  }
}

/** Whether toJson leaves a value of an implicit-presence field out. */
function isZero(value: ProtoJsonValue, field: DescField): boolean {
  if (field.fieldKind === 'enum') return value === field.enum.values[0]!.number;
  return value === 0 || value === '0' || value === false || value === '';
}

function enumJson(field: DescField & { fieldKind: 'enum' | 'list' }, number: number): string | number {
  return field.enum!.value[number]?.name ?? number;
}

function message(desc: DescMessage, buf: Buffer, start: number, end: number, depth: number): ProtoJsonObject {
  const plan = planOf(desc);
  if (plan === null || depth > MAX_DEPTH) throw GIVE_UP;
  // Enum fields hold numbers until written out, for the zero check.
  const values: (ProtoJsonValue | undefined)[] = new Array(plan.fields.length);
  const reader = new Reader(buf, start, end);
  while (reader.pos < end) {
    const tag = reader.uint32();
    const number = tag >>> 3;
    const wireType = tag & 7;
    const index = plan.byNumber.get(number);
    if (index === undefined) throw GIVE_UP;
    const field = plan.fields[index]!;
    switch (field.fieldKind) {
      case 'scalar':
        if (wireType !== wireTypeOf(field.scalar)) throw GIVE_UP;
        values[index] = scalarValue(field.scalar, reader);
        break;
      case 'enum':
        if (wireType !== WIRE_VARINT) throw GIVE_UP;
        reader.varint();
        values[index] = reader.lo | 0;
        break;
      case 'message': {
        if (wireType !== WIRE_DELIMITED || values[index] !== undefined) throw GIVE_UP;
        const [from, to] = reader.delimited();
        values[index] = message(field.message, buf, from, to, depth + 1);
        break;
      }
      case 'list': {
        values[index] ??= [];
        const list = values[index] as ProtoJsonValue[];
        if (field.listKind === 'message') {
          if (wireType !== WIRE_DELIMITED) throw GIVE_UP;
          const [from, to] = reader.delimited();
          list.push(message(field.message, buf, from, to, depth + 1));
          break;
        }
        const scalar = field.listKind === 'enum' ? ScalarType.INT32 : field.scalar;
        const single = wireTypeOf(scalar);
        if (wireType === WIRE_DELIMITED && single !== WIRE_DELIMITED) {
          // Packed: the values one after the other.
          const [from, to] = reader.delimited();
          const packed = new Reader(buf, from, to);
          while (packed.pos < to) list.push(field.listKind === 'enum' ? enumJson(field, scalarValue(scalar, packed) as number) : scalarValue(scalar, packed));
        } else if (wireType === single) {
          list.push(field.listKind === 'enum' ? enumJson(field, scalarValue(scalar, reader) as number) : scalarValue(scalar, reader));
        } else throw GIVE_UP;
        break;
      }
      default:
        throw GIVE_UP;
    }
  }
  const json: ProtoJsonObject = {};
  for (let index = 0; index < plan.fields.length; index += 1) {
    const value = values[index];
    if (value === undefined) continue;
    const field = plan.fields[index]!;
    if (field.fieldKind === 'list') {
      if ((value as ProtoJsonValue[]).length > 0) json[field.name] = value;
      continue;
    }
    if (field.fieldKind !== 'message' && field.presence === IMPLICIT && isZero(value, field)) continue;
    json[field.name] = field.fieldKind === 'enum' ? enumJson(field, value as number) : value;
  }
  return json;
}

/** The ProtoJSON object of the message in `bytes` (proto field names, zero values left out), or undefined where the library must answer. */
export function binaryToProtoJson(desc: DescMessage, bytes: Uint8Array): ProtoJsonObject | undefined {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return message(desc, buf, 0, buf.length, 1);
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}
