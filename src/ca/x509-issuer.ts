/** X.509 issuing with @peculiar/x509 over Node's WebCrypto: no hand-written ASN.1. */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import type { TlsCertificateRequest } from './credential-source.js';

// @peculiar/x509's typings name the DOM's Crypto/CryptoKey; Node's webcrypto is the same API.
type CryptoKey = webcrypto.CryptoKey;
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function toCryptoKey(key: KeyObject): Promise<CryptoKey> {
  const subtle = webcrypto.subtle;
  const imported =
    key.type === 'private'
      ? await subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), ECDSA_P256, true, ['sign'])
      : await subtle.importKey('spki', key.export({ type: 'spki', format: 'der' }), ECDSA_P256, true, ['verify']);
  return imported;
}

/** Positive 128-bit serials: unique without coordination, as RFC 5280 allows (≤ 20 octets). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function name(subject: TlsCertificateRequest['subject']): x509.Name {
  return new x509.Name(subject.map(([attribute, value]) => ({ [attribute]: [value] })));
}

export interface RootCertificate {
  pem: string;
  certificate: x509.X509Certificate;
}

export async function createRootCertificate(key: { privateKey: KeyObject; publicKey: KeyObject }, commonName: string, notBefore: Date, notAfter: Date): Promise<RootCertificate> {
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: name([['CN', commonName]]),
    notBefore,
    notAfter,
    keys: { privateKey: await toCryptoKey(key.privateKey), publicKey: await toCryptoKey(key.publicKey) },
    signingAlgorithm: ECDSA_P256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(await toCryptoKey(key.publicKey)),
    ],
  });
  return { pem: certificate.toString('pem'), certificate };
}

export function parseCertificate(pem: string): x509.X509Certificate {
  return new x509.X509Certificate(pem);
}

const EKU: Record<TlsCertificateRequest['usage'], string[]> = {
  client: [x509.ExtendedKeyUsage.clientAuth],
  server: [x509.ExtendedKeyUsage.serverAuth],
  'client-and-server': [x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth],
};

/** The issuer half every leaf carries: the root, its signing key, and its key identifier (hashed once). */
export interface LeafIssuer {
  root: x509.X509Certificate;
  rootKey: CryptoKey;
  authorityKeyIdentifier: x509.Extension;
}

export async function createLeafIssuer(rootPem: string, rootPrivateKey: KeyObject): Promise<LeafIssuer> {
  const root = parseCertificate(rootPem);
  return { root, rootKey: await toCryptoKey(rootPrivateKey), authorityKeyIdentifier: await x509.AuthorityKeyIdentifierExtension.create(root, false) };
}

export async function issueLeafCertificate(issuer: LeafIssuer, request: TlsCertificateRequest): Promise<string> {
  const sans: x509.JsonGeneralName[] = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(EKU[request.usage], false),
    issuer.authorityKeyIdentifier,
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, request.subject.length === 0));
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: name(request.subject),
    issuer: issuer.root.subjectName,
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    signingKey: issuer.rootKey,
    publicKey: await toCryptoKey(request.publicKey),
    signingAlgorithm: ECDSA_P256,
    extensions,
  });
  return certificate.toString('pem');
}
