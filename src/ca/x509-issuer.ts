/** The local CA's X.509 half: the self-signed root, and leaves issued under it. */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import type { TlsCertificateRequest } from './credential-source.js';
import { p256Point, type KeyPair } from './keys.js';
import {
  authorityKeyIdentifier,
  basicConstraints,
  certificatePem,
  encodeName,
  encodeTbsCertificate,
  extendedKeyUsage,
  fromCustom,
  keyUsage,
  readIssuerFields,
  signCertificate,
  subjectAltName,
  subjectKeyIdentifier,
} from './x509-certificate.js';

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the public key bits (here the EC point). */
function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(p256Point(publicKey)).digest();
}

function spki(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

function checkValidity(notBefore: Date, notAfter: Date): void {
  if (!(notAfter.getTime() > notBefore.getTime())) throw new RangeError(`notAfter ${notAfter.toISOString()} is not after notBefore ${notBefore.toISOString()}`);
}

/** A root for the local CA; `serial` is a positive number's magnitude (≤ 20 octets). */
export function createRootCertificate(keys: KeyPair, commonName: string, notBefore: Date, notAfter: Date, serial: Uint8Array): string {
  checkValidity(notBefore, notAfter);
  const name = encodeName([['CN', commonName]]);
  const tbs = encodeTbsCertificate({
    serial,
    issuer: name,
    subject: name,
    notBefore,
    notAfter,
    subjectPublicKeyInfo: spki(keys.publicKey),
    extensions: [basicConstraints(true, 0), keyUsage(['keyCertSign', 'cRLSign']), subjectKeyIdentifier(keyIdentifier(keys.publicKey))],
  });
  return certificatePem(signCertificate(tbs, keys.privateKey));
}

/** Throws when the text is not an X.509 certificate. */
export function parseCertificate(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

/** What every leaf takes from its issuer: the root's Name as encoded, its key id, and its key. */
export interface LeafIssuer {
  name: Buffer;
  authorityKeyId: Buffer;
  key: KeyObject;
}

export function createLeafIssuer(rootPem: string, rootPrivateKey: KeyObject): LeafIssuer {
  const root = parseCertificate(rootPem);
  const fields = readIssuerFields(root.raw);
  return { name: fields.subject, authorityKeyId: fields.subjectKeyIdentifier ?? keyIdentifier(root.publicKey), key: rootPrivateKey };
}

export function issueLeafCertificate(issuer: LeafIssuer, request: TlsCertificateRequest, serial: Uint8Array): string {
  checkValidity(request.notBefore, request.notAfter);
  // With an empty subject the identity lives only in the SAN, which must then be critical (RFC 5280 §4.2.1.6).
  const san = subjectAltName(request, request.subject.length === 0);
  if (san === undefined && request.subject.length === 0) throw new RangeError('a certificate with an empty subject needs at least one subject alternative name');
  const tbs = encodeTbsCertificate({
    serial,
    issuer: issuer.name,
    subject: encodeName(request.subject),
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    subjectPublicKeyInfo: spki(request.publicKey),
    extensions: [
      basicConstraints(false),
      keyUsage(['digitalSignature']),
      extendedKeyUsage(request.usage),
      authorityKeyIdentifier(issuer.authorityKeyId),
      ...(san === undefined ? [] : [san]),
      ...(request.extraExtensions ?? []).map(fromCustom),
    ],
  });
  return certificatePem(signCertificate(tbs, issuer.key));
}
