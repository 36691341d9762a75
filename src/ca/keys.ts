/** ECDSA P-256 key pairs and their encodings (PKCS#8 PEM, SPKI, OpenSSH) via node:crypto and sshpk. */
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import sshpk from 'sshpk';

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

export function openSshPublicKey(key: KeyObject, comment: string): string {
  const parsed = sshpk.parseKey(publicKeySpkiPem(key), 'pem');
  parsed.comment = comment;
  return `${parsed.toString('ssh')}\n`;
}

export function sshpkPrivateKey(key: KeyObject): sshpk.PrivateKey {
  return sshpk.parsePrivateKey(privateKeyPem(key), 'pem');
}

export function sshpkPublicKey(key: KeyObject): sshpk.Key {
  return sshpk.parseKey(publicKeySpkiPem(key), 'pem');
}
