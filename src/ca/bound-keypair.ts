/**
 * Bound-keypair joining's client keypair, as tbot keeps it in the bot's storage: `id_bkp` (the
 * private key, PKCS#8 PEM), `id_bkp.pub` (its OpenSSH public key) and `bkp_key_history.json`
 * (`{"entries":[{"time","private_key"}]}`). The key is Ed25519, what Teleport's default signature
 * suite (balanced-v1) gives bound-keypair joining; tbot asks the Proxy Service for the suite, and
 * this agent contacts none.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { privateKeyPem } from './keys.js';
import { sshString } from './ssh-wire.js';

export const PRIVATE_KEY_FILE = 'id_bkp';
export const PUBLIC_KEY_FILE = `${PRIVATE_KEY_FILE}.pub`;
export const KEY_HISTORY_FILE = 'bkp_key_history.json';

export interface BoundKeypair {
  privateKeyPem: string;
  /** One authorized_keys line, without a comment: `ssh-ed25519 AAAA…`. */
  publicKeyLine: string;
}

/** The OpenSSH `ssh-ed25519` public key line of an Ed25519 key (private or public). */
function ed25519PublicKeyLine(key: KeyObject): string {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || jwk.x === undefined) throw new TypeError('not an Ed25519 key');
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(jwk.x, 'base64url'))]);
  return `ssh-ed25519 ${blob.toString('base64')}`;
}

export function generateBoundKeypair(): BoundKeypair {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKeyPem: privateKeyPem(privateKey), publicKeyLine: ed25519PublicKeyLine(privateKey) };
}

/** A stored private key (PEM) → the keypair; throws when it is not a key this can read. */
export function boundKeypairFromPem(pem: string): BoundKeypair {
  const key = createPrivateKey(pem);
  // tbot reads RSA and ECDSA keys too (from other suites); their public line is not needed here, so only Ed25519 is shown.
  return { privateKeyPem: pem, publicKeyLine: ed25519PublicKeyLine(key) };
}

/** The files tbot's storage holds for a keypair that has not joined yet. */
export function boundKeypairFiles(keypair: BoundKeypair, now: Date): [name: string, contents: string][] {
  const history = { entries: [{ time: now.toISOString(), private_key: keypair.privateKeyPem }] };
  return [
    [PRIVATE_KEY_FILE, keypair.privateKeyPem],
    [PUBLIC_KEY_FILE, `${keypair.publicKeyLine}\n`],
    [KEY_HISTORY_FILE, JSON.stringify(history)],
  ];
}
