/** ECDSA P-256 key pairs and their encodings (PKCS#8 PEM, SPKI, OpenSSH), all from node:crypto. */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { sshPublicKeyBlob } from './ssh-wire.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export async function generateP256KeyPair(): Promise<KeyPair> {
  return generateKeyPairAsync('ec', { namedCurve: 'P-256' });
}

/** PKCS#8 "BEGIN PRIVATE KEY": read by OpenSSH, OpenSSL, libpq and kubectl alike. */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function publicKeySpkiPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

/** The uncompressed point 04‖x‖y of a P-256 key (public or private), as X.509 and SSH carry it. */
export function p256Point(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.x === undefined || jwk.y === undefined)
    throw new TypeError(`expected an ECDSA P-256 key, got ${jwk.kty ?? '?'} ${jwk.crv ?? ''}`.trim());
  return Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}

export function openSshPublicKey(key: KeyObject, comment: string): string {
  return `ecdsa-sha2-nistp256 ${sshPublicKeyBlob(p256Point(key)).toString('base64')} ${comment}\n`;
}
