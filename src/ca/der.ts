/**
 * A small DER (ITU-T X.690) writer for the certificate structures this agent issues, and a reader
 * for the few fields it takes back out of an existing root. Only what X.509 needs: definite
 * lengths, low tag numbers (< 31), minimal encodings.
 */

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

export function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`DER length must be a non-negative integer, got ${length}`);
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, contents: Uint8Array): Buffer {
  // Tag numbers ≥ 31 take a multi-byte form that no structure here needs.
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) throw new RangeError(`unsupported DER tag 0x${tag.toString(16)}`);
  return Buffer.concat([Buffer.from([tag]), encodeLength(contents.length), contents]);
}

/** INTEGER from a non-negative value: a bigint/number, or big-endian magnitude bytes. */
export function integer(value: bigint | number | Uint8Array): Buffer {
  let bytes: Buffer;
  if (value instanceof Uint8Array) {
    bytes = Buffer.from(value);
  } else {
    const big = BigInt(value);
    if (big < 0n) throw new RangeError(`only non-negative INTEGERs are written, got ${big}`);
    const hex = big.toString(16);
    bytes = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  bytes = bytes.length === 0 ? Buffer.from([0]) : bytes.subarray(start);
  // A set high bit would read as negative (two's complement): a zero octet keeps the value positive.
  if ((bytes[0]! & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.integer, bytes);
}

function base128(value: bigint): number[] {
  const out = [Number(value & 0x7fn)];
  for (let rest = value >> 7n; rest > 0n; rest >>= 7n) out.unshift(Number(rest & 0x7fn) | 0x80);
  return out;
}

/** OBJECT IDENTIFIER from dotted form; arcs may exceed 2^53 (e.g. 2.25.<UUID>). */
export function oid(dotted: string): Buffer {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(dotted)) throw new RangeError(`not a dotted OID: ${JSON.stringify(dotted)}`);
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [first, second] = arcs as [bigint, bigint];
  if (first < 2n && second >= 40n) throw new RangeError(`OID ${dotted}: the second arc must be < 40 under ${first}`);
  return tlv(TAG.oid, Buffer.from([...base128(first * 40n + second), ...arcs.slice(2).flatMap(base128)]));
}

export function boolean(value: boolean): Buffer {
  return tlv(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));
}

export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0))
    throw new RangeError(`bad BIT STRING unused-bit count ${unusedBits}`);
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/** A named-bit BIT STRING (e.g. keyUsage) from bit positions; DER drops trailing zero bits. */
export function namedBits(positions: readonly number[]): Buffer {
  if (positions.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...positions);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const position of positions) {
    if (!Number.isInteger(position) || position < 0) throw new RangeError(`bad bit position ${position}`);
    bytes[position >> 3]! |= 0x80 >> (position & 7);
  }
  return bitString(bytes, 7 - (highest % 8));
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(TAG.octetString, bytes);
}

function wellFormedUtf8(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  // Buffer.from silently turns a lone surrogate into U+FFFD; a certificate must not change a name.
  if (bytes.toString('utf8') !== text) throw new RangeError(`not well-formed Unicode: ${JSON.stringify(text)}`);
  return bytes;
}

export function utf8String(text: string): Buffer {
  return tlv(TAG.utf8String, wellFormedUtf8(text));
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function isPrintable(text: string): boolean {
  return PRINTABLE.test(text);
}

export function printableString(text: string): Buffer {
  if (!isPrintable(text)) throw new RangeError(`not a PrintableString: ${JSON.stringify(text)}`);
  return tlv(TAG.printableString, Buffer.from(text, 'latin1'));
}

/** The octets of an IA5String (ASCII), for it or an IMPLICIT-tagged one such as a dNSName. */
export function ia5Bytes(text: string): Buffer {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: IA5String is exactly the code points 0x00-0x7f, control characters included
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`not an IA5String (ASCII only): ${JSON.stringify(text)}`);
  return Buffer.from(text, 'latin1');
}

export function ia5String(text: string): Buffer {
  return tlv(TAG.ia5String, ia5Bytes(text));
}

/** A DirectoryString as Go's crypto/x509 and OpenSSL choose it: PrintableString when it fits, UTF8String otherwise. */
export function directoryString(text: string): Buffer {
  return isPrintable(text) ? printableString(text) : utf8String(text);
}

/** RFC 5280 §4.1.2.5: UTCTime for 1950–2049, GeneralizedTime otherwise; whole seconds, always Z. */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) throw new RangeError(`date out of range for a certificate: ${String(date)}`);
  const digits = date.toISOString().slice(0, 19).replace(/[-T:]/g, '');
  return year >= 1950 && year < 2050 ? tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'latin1')) : tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, 'latin1'));
}

export function sequence(...items: readonly Uint8Array[]): Buffer {
  return tlv(TAG.sequence, Buffer.concat(items));
}

/** SET OF: DER orders the elements by their encodings. */
export function setOf(...items: readonly Uint8Array[]): Buffer {
  return tlv(TAG.set, Buffer.concat([...items].sort(Buffer.compare)));
}

/** [n] EXPLICIT: a constructed context tag around a whole encoding. */
export function explicit(tagNumber: number, inner: Uint8Array): Buffer {
  return tlv(0xa0 | contextNumber(tagNumber), inner);
}

/** [n] IMPLICIT on a primitive type: the context tag replaces the type's own. */
export function implicit(tagNumber: number, contents: Uint8Array): Buffer {
  return tlv(0x80 | contextNumber(tagNumber), contents);
}

function contextNumber(tagNumber: number): number {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) throw new RangeError(`context tag [${tagNumber}] out of range`);
  return tagNumber;
}

export interface DerElement {
  tag: number;
  /** The value octets. */
  contents: Buffer;
  /** Tag, length and value: the element exactly as it appears in the input. */
  encoded: Buffer;
}

/** Reads the element at `offset`. Lenient about non-minimal lengths; rejects truncation and indefinite lengths. */
export function readElement(input: Buffer, offset = 0): DerElement {
  const fail = (why: string): never => {
    throw new RangeError(`malformed DER at offset ${offset}: ${why}`);
  };
  if (offset + 2 > input.length) fail('truncated header');
  const tag = input[offset]!;
  if ((tag & 0x1f) === 0x1f) fail('multi-byte tag');
  let length = input[offset + 1]!;
  let header = 2;
  if (length === 0x80) fail('indefinite length');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4 || offset + 2 + count > input.length) fail('bad length');
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + input[offset + 2 + i]!;
    header += count;
  }
  const end = offset + header + length;
  if (end > input.length) fail(`value runs past the end (${end} > ${input.length})`);
  return { tag, contents: input.subarray(offset + header, end), encoded: input.subarray(offset, end) };
}

/** The elements inside a constructed element, in order. */
export function readChildren(element: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let offset = 0; offset < element.contents.length; ) {
    const child = readElement(element.contents, offset);
    children.push(child);
    offset += child.encoded.length;
  }
  return children;
}
