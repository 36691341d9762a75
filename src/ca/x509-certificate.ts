/**
 * X.509 v3 certificates (RFC 5280) signed with ECDSA P-256 / SHA-256: the TBSCertificate and its
 * extensions encoded with der.ts, the signature made by node:crypto.
 */
import { sign, type KeyObject } from 'node:crypto';
import type { CertificateExtension, DistinguishedName, SubjectAttribute, TlsUsage } from './credential-source.js';
import { ipAddressBytes } from '../net/ip-address.js';
import {
  bitString,
  boolean,
  directoryString,
  explicit,
  ia5Bytes,
  implicit,
  integer,
  isPrintable,
  namedBits,
  octetString,
  oid,
  printableString,
  readChildren,
  readElement,
  sequence,
  setOf,
  time,
} from './der.js';

export const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const ATTRIBUTE_OID: Record<Exclude<SubjectAttribute, { oid: string }>, string> = {
  CN: '2.5.4.3',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  street: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  postalCode: '2.5.4.17',
  C: '2.5.4.6',
};

/** AlgorithmIdentifier for ecdsa-with-SHA256: parameters absent (RFC 5758 §3.2). */
const ECDSA_WITH_SHA256 = sequence(oid(OID.ecdsaWithSha256));

/** A Name as an RDNSequence: one single-valued RDN per entry, in the order given. */
export function encodeName(name: DistinguishedName): Buffer {
  return sequence(
    ...name.map(([attribute, value]) => {
      const type = typeof attribute === 'string' ? ATTRIBUTE_OID[attribute] : attribute.oid;
      // countryName is a two-letter PrintableString (X.520); everything else a DirectoryString.
      if (attribute === 'C' && !(value.length === 2 && isPrintable(value))) throw new RangeError(`C must be a two-letter country code, got ${JSON.stringify(value)}`);
      return setOf(sequence(oid(type), attribute === 'C' ? printableString(value) : directoryString(value)));
    }),
  );
}

export interface Extension {
  oid: string;
  critical: boolean;
  /** The DER inside extnValue. */
  value: Uint8Array;
}

export function encodeExtension(extension: Extension): Buffer {
  // critical is DEFAULT FALSE, and DER omits a default.
  return sequence(oid(extension.oid), ...(extension.critical ? [boolean(true)] : []), octetString(extension.value));
}

export function basicConstraints(ca: boolean, pathLength?: number): Extension {
  return { oid: OID.basicConstraints, critical: true, value: sequence(...(ca ? [boolean(true)] : []), ...(pathLength === undefined ? [] : [integer(pathLength)])) };
}

export const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

export function keyUsage(bits: readonly (keyof typeof KEY_USAGE)[]): Extension {
  return { oid: OID.keyUsage, critical: true, value: namedBits(bits.map((bit) => KEY_USAGE[bit])) };
}

const EKU: Record<TlsUsage, string[]> = {
  client: [OID.clientAuth],
  server: [OID.serverAuth],
  'client-and-server': [OID.clientAuth, OID.serverAuth],
};

export function extendedKeyUsage(usage: TlsUsage): Extension {
  return { oid: OID.extKeyUsage, critical: false, value: sequence(...EKU[usage].map(oid)) };
}

export function subjectKeyIdentifier(keyId: Uint8Array): Extension {
  return { oid: OID.subjectKeyIdentifier, critical: false, value: octetString(keyId) };
}

/** keyIdentifier [0] only: the issuer's subjectKeyIdentifier. */
export function authorityKeyIdentifier(keyId: Uint8Array): Extension {
  return { oid: OID.authorityKeyIdentifier, critical: false, value: sequence(implicit(0, keyId)) };
}

export interface AlternativeNames {
  dnsNames?: readonly string[] | undefined;
  ipAddresses?: readonly string[] | undefined;
  uris?: readonly string[] | undefined;
}

/** GeneralNames in Go's order (DNS, IP, URI); undefined when there are none. */
export function subjectAltName(names: AlternativeNames, critical: boolean): Extension | undefined {
  const general = [
    ...(names.dnsNames ?? []).map((name) => implicit(2, ia5Bytes(name))),
    ...(names.ipAddresses ?? []).map((address) => implicit(7, ipAddressBytes(address))),
    ...(names.uris ?? []).map((uri) => implicit(6, ia5Bytes(uri))),
  ];
  return general.length === 0 ? undefined : { oid: OID.subjectAltName, critical, value: sequence(...general) };
}

export function fromCustom(extension: CertificateExtension): Extension {
  return { oid: extension.oid, critical: extension.critical, value: extension.derValue };
}

export interface TbsFields {
  /** Big-endian magnitude of a positive serial number (≤ 20 octets, RFC 5280 §4.1.2.2). */
  serial: Uint8Array;
  /** The issuer Name, encoded (for a leaf: the root's subject, byte for byte). */
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER. */
  subjectPublicKeyInfo: Uint8Array;
  extensions: readonly Extension[];
}

export function encodeTbsCertificate(fields: TbsFields): Buffer {
  const seen = new Set<string>();
  for (const extension of fields.extensions) {
    if (seen.has(extension.oid)) throw new RangeError(`extension ${extension.oid} appears twice`);
    seen.add(extension.oid);
  }
  return sequence(
    explicit(0, integer(2)),
    integer(fields.serial),
    ECDSA_WITH_SHA256,
    fields.issuer,
    sequence(time(fields.notBefore), time(fields.notAfter)),
    fields.subject,
    fields.subjectPublicKeyInfo,
    ...(fields.extensions.length === 0 ? [] : [explicit(3, sequence(...fields.extensions.map(encodeExtension)))]),
  );
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }. */
export function signCertificate(tbs: Buffer, issuerKey: KeyObject): Buffer {
  return sequence(tbs, ECDSA_WITH_SHA256, bitString(sign('sha256', tbs, { key: issuerKey, dsaEncoding: 'der' })));
}

export function certificatePem(der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export interface IssuerFields {
  /** The subject Name exactly as encoded, to be copied into each leaf's issuer field. */
  subject: Buffer;
  /** The subjectKeyIdentifier extension's key id, when the certificate has one. */
  subjectKeyIdentifier?: Buffer;
}

/** Takes a CA certificate's subject and key identifier back out of its DER, whichever library wrote it. */
export function readIssuerFields(certificateDer: Buffer): IssuerFields {
  const [tbs] = readChildren(readElement(certificateDer));
  if (tbs === undefined) throw new RangeError('empty certificate');
  const fields = readChildren(tbs);
  // version [0] is optional (v1); then serial, signature, issuer, validity, subject, spki, [1] [2] [3].
  const start = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[start + 4];
  if (subject === undefined) throw new RangeError('certificate has no subject');
  const skiOid = oid(OID.subjectKeyIdentifier);
  // extensions [3] EXPLICIT wraps one SEQUENCE OF Extension.
  const wrapper = fields.slice(start + 6).find((field) => field.tag === 0xa3);
  for (const extension of wrapper === undefined ? [] : readChildren(wrapper).flatMap(readChildren)) {
    const parts = readChildren(extension);
    if (!parts[0]?.encoded.equals(skiOid)) continue;
    const value = parts[parts.length - 1]!;
    return { subject: Buffer.from(subject.encoded), subjectKeyIdentifier: Buffer.from(readElement(value.contents).contents) };
  }
  return { subject: Buffer.from(subject.encoded) };
}
