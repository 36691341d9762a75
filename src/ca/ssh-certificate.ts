/**
 * OpenSSH certificates for ECDSA P-256 keys, as OpenSSH's PROTOCOL.certkeys lays them out:
 * type, nonce, curve, Q, serial, type (1 user, 2 host), key id, principals, valid after/before,
 * critical options, extensions, reserved, CA key, and the CA's signature over all of it.
 */
import { sign, type KeyObject } from 'node:crypto';
import { p256Point } from './keys.js';
import { ECDSA_P256, sshPublicKeyBlob, sshSignatureBlob, sshString, uint32, uint64 } from './ssh-wire.js';

export const CERT_TYPE = `${ECDSA_P256}-cert-v01@openssh.com`;
const KIND = { user: 1, host: 2 } as const;

export interface SshCertificateFields {
  /** Random bytes chosen by the CA, so the signed data is never predictable. */
  nonce: Uint8Array;
  publicKey: KeyObject;
  serial: bigint;
  kind: keyof typeof KIND;
  keyId: string;
  principals: readonly string[];
  validAfter: Date;
  validBefore: Date;
  criticalOptions: Readonly<Record<string, string>>;
  extensions: Readonly<Record<string, string>>;
}

/** Seconds since the epoch, rounded down, as OpenSSH's uint64 validity fields hold them. */
function seconds(date: Date): bigint {
  const ms = date.getTime();
  if (Number.isNaN(ms) || ms < 0) throw new RangeError(`bad certificate validity time: ${String(date)}`);
  return BigInt(Math.floor(ms / 1000));
}

/**
 * Critical options and extensions: name/data pairs in lexical (byte) order, each name once. A flag
 * has empty data; a value is an SSH string inside the data, so the data is string(string(value)).
 */
export function encodeOptions(options: Readonly<Record<string, string>>): Buffer {
  const names = Object.keys(options).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return Buffer.concat(
    names.map((name) => {
      if (name === '') throw new RangeError('an SSH certificate option needs a name');
      const value = options[name]!;
      return Buffer.concat([sshString(name), sshString(value === '' ? Buffer.alloc(0) : sshString(value))]);
    }),
  );
}

/** Everything the CA signs: the certificate up to and including the CA's public key. */
export function encodeSshCertificateBody(fields: SshCertificateFields, caPublicKey: KeyObject): Buffer {
  if (fields.serial < 0n || fields.serial >= 1n << 64n) throw new RangeError(`SSH certificate serial must fit in 64 bits, got ${fields.serial}`);
  return Buffer.concat([
    sshString(CERT_TYPE),
    sshString(fields.nonce),
    sshString('nistp256'),
    sshString(p256Point(fields.publicKey)),
    uint64(fields.serial),
    uint32(KIND[fields.kind]),
    sshString(fields.keyId),
    sshString(Buffer.concat(fields.principals.map((principal) => sshString(principal)))),
    uint64(seconds(fields.validAfter)),
    uint64(seconds(fields.validBefore)),
    sshString(encodeOptions(fields.criticalOptions)),
    sshString(encodeOptions(fields.extensions)),
    sshString(Buffer.alloc(0)),
    sshString(sshPublicKeyBlob(p256Point(caPublicKey))),
  ]);
}

/** The signed certificate blob: the body followed by the CA's signature over it. */
export function signSshCertificate(body: Buffer, caPrivateKey: KeyObject): Buffer {
  return Buffer.concat([body, sshString(sshSignatureBlob(sign('sha256', body, { key: caPrivateKey, dsaEncoding: 'ieee-p1363' })))]);
}

/** One authorized_keys-style line, as `ssh-keygen -s` writes a …-cert.pub file (without a comment). */
export function sshCertificateLine(blob: Buffer): string {
  return `${CERT_TYPE} ${blob.toString('base64')}\n`;
}
