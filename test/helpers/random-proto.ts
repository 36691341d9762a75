/**
 * Random protobuf messages of any contract message, from a seeded generator (a failure replays
 * from its seed): every field kind, zero and non-zero values, unknown enum numbers, lists of 0 to 3
 * items. Well-known types and oneof members are left unset.
 */
import { create, ScalarType, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { mulberry32 } from '../../examples/shared/prng.js';

/** The seeded generator the examples and benchmarks use, so a failure replays from its seed. */
export const randomFrom = mulberry32;

/** A leading byte order mark is left to the library (see its own test below). */
const STRINGS = ['', 'a', 'ssh', 'é', '😀', 'x'.repeat(40), 'mid\ufeffbom', 'ok\u0000nul'];

function scalarValue(scalar: ScalarType, random: () => number): unknown {
  const zero = random() < 0.25;
  const big = (bits: bigint, signed: boolean): bigint => {
    if (zero) return 0n;
    const pick = random();
    const magnitude = pick < 0.5 ? BigInt(Math.floor(random() * 1000)) : pick < 0.8 ? BigInt(Math.floor(random() * 2 ** 40)) : (1n << (bits - 1n)) - 1n;
    return signed && random() < 0.3 ? -magnitude - (pick > 0.9 ? 1n : 0n) : magnitude;
  };
  switch (scalar) {
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return zero ? 0 : Math.floor((random() - 0.3) * 2 ** 31);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return zero ? 0 : Math.floor(random() * 2 ** 32);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return big(64n, true);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return random() < 0.1 ? 0xffffffffffffffffn : big(64n, false);
    case ScalarType.BOOL:
      return !zero && random() < 0.5;
    case ScalarType.STRING:
      return zero ? '' : STRINGS[Math.floor(random() * STRINGS.length)]!;
    case ScalarType.BYTES:
      return zero ? new Uint8Array(0) : Uint8Array.from({ length: random() < 0.5 ? 32 : Math.floor(random() * 20) }, () => Math.floor(random() * 256));
    default:
      return random() * 100;
  }
}

function enumValue(field: DescField & { enum: { values: { number: number }[] } }, random: () => number): number {
  const values = field.enum.values;
  return random() < 0.1 ? 1000 + Math.floor(random() * 10) : values[Math.floor(random() * values.length)]!.number;
}

export function randomMessage(desc: DescMessage, random: () => number, depth = 0): Message {
  const init: Record<string, unknown> = {};
  for (const field of desc.fields) {
    if (field.oneof !== undefined || random() < 0.3) continue;
    switch (field.fieldKind) {
      case 'scalar':
        init[field.localName] = scalarValue(field.scalar, random);
        break;
      case 'enum':
        init[field.localName] = enumValue(field, random);
        break;
      case 'message':
        if (depth < 3 && !field.message.typeName.startsWith('google.protobuf.')) init[field.localName] = randomMessage(field.message, random, depth + 1);
        break;
      case 'list': {
        const count = Math.floor(random() * 4);
        if (field.listKind === 'message') {
          if (depth < 3) init[field.localName] = Array.from({ length: count }, () => randomMessage(field.message, random, depth + 1));
        } else if (field.listKind === 'enum') init[field.localName] = Array.from({ length: count }, () => enumValue(field, random));
        else init[field.localName] = Array.from({ length: count }, () => scalarValue(field.scalar, random));
        break;
      }
      default:
        break;
    }
  }
  return create(desc, init as never);
}
