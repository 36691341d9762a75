/** The DER writer, byte for byte where X.690 fixes the bytes, and read back by openssl asn1parse. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bitString,
  directoryString,
  encodeLength,
  explicit,
  ia5String,
  implicit,
  integer,
  namedBits,
  octetString,
  oid,
  printableString,
  readChildren,
  readElement,
  sequence,
  setOf,
  time,
  utf8String,
} from '../../src/ca/der.js';
import { asn1parse } from '../helpers/tools.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('DER lengths', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [127, '7f'],
    [128, '8180'],
    [255, '81ff'],
    [256, '820100'],
    [65_535, '82ffff'],
    [65_536, '83010000'],
  ];
  for (const [length, expected] of cases) it(`${length} → ${expected}`, () => assert.equal(hex(encodeLength(length)), expected));

  it('short, one-byte and two-byte long forms parse in openssl', () => {
    for (const size of [127, 128, 200, 255, 256, 300, 70_000]) {
      const der = octetString(Buffer.alloc(size, 0xab));
      assert.match(asn1parse(sequence(der)), new RegExp(`l=\\s*${size} prim:\\s+OCTET STRING`), `${size} bytes`);
    }
  });
});

describe('DER INTEGER', () => {
  const cases: [bigint | number | Uint8Array, string][] = [
    [0, '020100'],
    [1, '020101'],
    [127, '02017f'],
    [128, '02020080'], // high bit set: a leading zero keeps it positive
    [255, '020200ff'],
    [256, '02020100'],
    [0x7fffffffffffffffn, '02087fffffffffffffff'],
    [0x8000000000000000n, '0209008000000000000000'],
    [Buffer.from('000001', 'hex'), '020101'], // redundant leading zeros dropped
    [Buffer.from('0080', 'hex'), '02020080'], // the needed zero kept
    [Buffer.alloc(0), '020100'],
    [Buffer.from('ff'.repeat(16), 'hex'), `021100${'ff'.repeat(16)}`],
  ];
  for (const [value, expected] of cases)
    it(`${typeof value === 'object' ? `bytes ${hex(value)}` : String(value)} → ${expected}`, () => assert.equal(hex(integer(value)), expected));

  it('openssl reads the high-bit cases as positive', () => {
    const parsed = asn1parse(sequence(integer(128), integer(Buffer.from('ff'.repeat(16), 'hex'))));
    assert.match(parsed, /INTEGER\s+:80\n/);
    assert.match(parsed, /INTEGER\s+:F{32}\n/);
    assert.doesNotMatch(parsed, /-/);
  });

  it('negative values are refused', () => assert.throws(() => integer(-1), RangeError));
});

describe('DER OBJECT IDENTIFIER', () => {
  const cases: [string, string][] = [
    ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'],
    ['2.5.29.17', '0603551d11'],
    ['2.999.3', '0603883703'], // under arc 2 the second arc may exceed 39
    ['1.3.9999.1.7', '06052bce0f0107'],
  ];
  for (const [dotted, expected] of cases) it(`${dotted} → ${expected}`, () => assert.equal(hex(oid(dotted)), expected));

  it('arcs beyond 2^53 (a UUID OID) survive the round trip through openssl', () => {
    const uuidArc = BigInt('0x6ba7b8109dad11d180b400c04fd430c8').toString();
    assert.match(asn1parse(sequence(oid(`2.25.${uuidArc}`))), new RegExp(`OBJECT\\s+:2\\.25\\.${uuidArc}\\n`));
  });

  for (const bad of ['', '1', '3.1', '1.40', '1.2.03', '1..2', 'a.b']) it(`${JSON.stringify(bad)} is refused`, () => assert.throws(() => oid(bad), RangeError));
});

describe('DER times (RFC 5280: UTCTime through 2049, GeneralizedTime from 2050)', () => {
  const cases: [string, string, string][] = [
    ['2049-12-31T23:59:59.999Z', 'UTCTIME', '491231235959Z'],
    ['2050-01-01T00:00:00.000Z', 'GENERALIZEDTIME', '20500101000000Z'],
    ['1950-01-01T00:00:00.000Z', 'UTCTIME', '500101000000Z'],
    ['1949-12-31T23:59:59.000Z', 'GENERALIZEDTIME', '19491231235959Z'],
    ['2026-11-23T13:12:20.181Z', 'UTCTIME', '261123131220Z'],
  ];
  for (const [iso, type, text] of cases) {
    it(`${iso} → ${type} ${text}`, () => assert.match(asn1parse(sequence(time(new Date(iso)))), new RegExp(`${type}\\s+:${text}\\n`)));
  }
  it('an invalid date is refused', () => assert.throws(() => time(new Date(Number.NaN)), RangeError));
});

describe('DER strings, bits and tags', () => {
  it('DirectoryString: PrintableString when every character fits, UTF8String otherwise', () => {
    assert.equal(directoryString('tbot local CA')[0], 0x13);
    assert.equal(directoryString('user@example')[0], 0x0c); // @ is not printable
    assert.equal(directoryString('Zoë')[0], 0x0c);
    const parsed = asn1parse(sequence(directoryString('tbot'), directoryString('Zoë')));
    assert.match(parsed, /PRINTABLESTRING\s+:tbot/);
    assert.match(parsed, /UTF8STRING/);
  });

  it('refuses strings that cannot be encoded as asked', () => {
    assert.throws(() => printableString('a@b'), RangeError);
    assert.throws(() => ia5String('é'), RangeError);
    assert.throws(() => utf8String('\ud800'), RangeError); // a lone surrogate would silently become U+FFFD
  });

  it('named bits drop trailing zero bits (keyUsage digitalSignature = 03 02 07 80, keyCertSign|cRLSign = 03 02 01 06)', () => {
    assert.equal(hex(namedBits([0])), '03020780');
    assert.equal(hex(namedBits([5, 6])), '03020106');
    assert.equal(hex(namedBits([0, 8])), '0303078080'); // decipherOnly spills into a second octet
    assert.equal(hex(bitString(Buffer.from([1, 2]))), '0303000102');
  });

  it('SET OF is sorted by encoding; context tags are explicit (constructed) or implicit (primitive)', () => {
    assert.equal(hex(setOf(integer(2), integer(1))), '3106020101020102');
    assert.equal(hex(explicit(0, integer(2))), 'a003020102');
    assert.equal(hex(implicit(6, Buffer.from('a'))), '860161');
    assert.throws(() => explicit(31, integer(0)), RangeError);
  });
});

describe('DER reader', () => {
  it('reads back what the writer wrote, including long lengths', () => {
    const big = octetString(Buffer.alloc(300, 7));
    const der = sequence(integer(5), big, sequence());
    const top = readElement(der);
    assert.equal(top.tag, 0x30);
    assert.deepEqual(
      readChildren(top).map((child) => child.tag),
      [0x02, 0x04, 0x30],
    );
    assert.equal(readChildren(top)[1]!.contents.length, 300);
    assert.ok(readChildren(top)[1]!.encoded.equals(big));
  });

  it('refuses truncated input and indefinite lengths', () => {
    const der = sequence(octetString(Buffer.alloc(200)));
    assert.throws(() => readElement(der.subarray(0, 100)), /runs past the end/);
    assert.throws(() => readElement(Buffer.from('3080', 'hex')), /indefinite/);
    assert.throws(() => readElement(Buffer.from('30', 'hex')), /truncated/);
  });
});
