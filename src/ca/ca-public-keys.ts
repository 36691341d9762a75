/**
 * The CA keys' public halves, kept beside the private keys: `ssh-user-ca.pub` and
 * `ssh-host-ca.pub` (OpenSSH public-key lines, the form `@cert-authority` entries take) and
 * `tls-ca.pub` (SPKI PEM). Every start compares them with the private keys, so a CA key replaced
 * by another valid key (a restore from the wrong backup, a copy from another machine) stops the
 * agent instead of silently issuing certificates that whoever trusts the old CA rejects. For TLS
 * the root certificate already pins the key; `tls-ca.pub` also catches the certificate and its
 * key replaced together.
 *
 * A CA written before these files existed (0.1.0) has none: the halves are written on its first
 * load, atomically, and checked from then on. That first load has nothing to compare with, so a
 * key replaced before it goes unnoticed; after it, any replacement is caught.
 */
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { CertificateAuthorityError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import { readCaFile } from './ca-checks.js';
import { openSshPublicKey, publicKeySpkiPem } from './keys.js';

export const CA_PUBLIC_KEY_FILES = { tls: 'tls-ca.pub', user: 'ssh-user-ca.pub', host: 'ssh-host-ca.pub' } as const;
export const SSH_CA_COMMENTS = { user: 'tbot-local-user-ca', host: 'tbot-local-host-ca' } as const;

export type CaKeyKind = keyof typeof CA_PUBLIC_KEY_FILES;

export interface CaKey {
  kind: CaKeyKind;
  /** The private key file, named in errors. */
  keyPath: string;
  publicKey: KeyObject;
}

/** The public-key file's contents for a key: SPKI PEM for TLS, one OpenSSH line for SSH. */
export function publicKeyText(kind: CaKeyKind, publicKey: KeyObject): string {
  return kind === 'tls' ? publicKeySpkiPem(publicKey) : openSshPublicKey(publicKey, SSH_CA_COMMENTS[kind]);
}

/**
 * What identifies the key in a public-key file: the PEM body, or an OpenSSH line's type and blob
 * (its comment is the owner's to change). Undefined when the text is neither.
 */
function keyIdentity(kind: CaKeyKind, text: string): string | undefined {
  if (kind === 'tls') {
    const body = /^-----BEGIN PUBLIC KEY-----\n([A-Za-z0-9+/=\n]+)-----END PUBLIC KEY-----\s*$/.exec(text.trim().replaceAll('\r\n', '\n'));
    return body?.[1]?.replaceAll('\n', '');
  }
  const [type, blob] = text.trim().split(/\s+/);
  return type === undefined || blob === undefined ? undefined : `${type} ${blob}`;
}

/** What the files of a new CA hold, by file name. */
export function publicKeyFiles(keys: readonly Omit<CaKey, 'keyPath'>[]): Record<string, string> {
  return Object.fromEntries(keys.map(({ kind, publicKey }) => [CA_PUBLIC_KEY_FILES[kind], publicKeyText(kind, publicKey)]));
}

export interface PublicKeyCheck {
  /** Public-key files written by this call (a CA from before they existed). */
  written: string[];
}

/** Checks each key against its stored public half, writing any half that is missing. */
export async function checkOrStorePublicKeys(caDir: string, keys: readonly CaKey[]): Promise<PublicKeyCheck> {
  const written: string[] = [];
  for (const { kind, keyPath, publicKey } of keys) {
    const path = join(caDir, CA_PUBLIC_KEY_FILES[kind]);
    const expected = publicKeyText(kind, publicKey);
    let stored: string;
    try {
      stored = await readCaFile(path, 'certificate');
    } catch (error) {
      if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw error;
      try {
        // 0600 like every file of a CA created today, though a public key is no secret.
        await writeFileAtomic(path, expected, 0o600);
      } catch (writeError) {
        throw new CertificateAuthorityError(path, `cannot store the public half of ${keyPath}: ${describeFsError(writeError)}`, { cause: writeError });
      }
      written.push(path);
      continue;
    }
    const storedKey = keyIdentity(kind, stored);
    if (storedKey === undefined)
      throw new CertificateAuthorityError(path, `is not ${kind === 'tls' ? 'a PEM public key' : 'an OpenSSH public-key line'}; see "Rotating the CA" in docs/outputs.md`);
    if (storedKey !== keyIdentity(kind, expected)) {
      throw new CertificateAuthorityError(
        keyPath,
        `is not the key whose public half is stored in ${path}: the ${kind === 'tls' ? 'TLS' : `SSH ${kind}`} CA key was replaced, and certificates it signs would not be trusted where the original CA is; put back the original key, or see "Rotating the CA" in docs/outputs.md`,
      );
    }
  }
  return { written };
}
