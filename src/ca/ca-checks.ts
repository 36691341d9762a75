/**
 * Checks on the local CA as found in storage, using node:crypto only. A CA key that does not
 * belong to its certificate would sign certificates nobody can verify, and a key file others can
 * read lets them mint credentials; both stop the agent with a message saying what to do. Also
 * clears the temp directories a creation killed part-way left behind.
 */
import { createPublicKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CertificateAuthorityError } from '../errors.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import { readRegularFile, RefusedFileError } from '../fs/read-regular-file.js';

/** CA files are a few hundred bytes of PEM. */
const MAX_CA_FILE_BYTES = 64 * 1024;
const ROTATE = 'see "Rotating the CA" in docs/outputs.md';

/** Reads one CA file; a private key must be accessible by its owner only, as ssh demands. */
export async function readCaFile(path: string, kind: 'private-key' | 'certificate'): Promise<string> {
  const ownerOnly = (info: Stats): void => {
    if (kind !== 'private-key' || (info.mode & 0o077) === 0) return;
    const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
    throw new CertificateAuthorityError(path, `permissions ${mode} are too open: a CA private key must be readable by its owner only; run "chmod 600 ${path}"`);
  };
  try {
    return await readRegularFile(path, MAX_CA_FILE_BYTES, ownerOnly);
  } catch (error) {
    if (error instanceof CertificateAuthorityError) throw error;
    const reason = error instanceof RefusedFileError ? `it is ${error.message}` : describeFsError(error);
    throw new CertificateAuthorityError(path, `cannot read: ${reason}`, { cause: error });
  }
}

/** A key file can carry a public half that is not its private key's; only a signature shows it. */
function signsForItsPublicKey(key: KeyObject): boolean {
  const probe = Buffer.from('tbot local CA key check');
  return verify('sha256', probe, createPublicKey(key), sign('sha256', probe, key));
}

function assertP256KeyPair(path: string, key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new CertificateAuthorityError(path, `is not an ECDSA P-256 private key; ${ROTATE}`);
  }
  if (!signsForItsPublicKey(key)) {
    throw new CertificateAuthorityError(path, `is damaged: its private and public halves do not belong together; ${ROTATE}`);
  }
}

export interface LoadedCaKeys {
  tlsKey: { path: string; key: KeyObject };
  tlsCert: { path: string; pem: string };
  sshUserKey: { path: string; key: KeyObject };
  sshHostKey: { path: string; key: KeyObject };
}

export function assertCaKeysMatch(ca: LoadedCaKeys): void {
  for (const { path, key } of [ca.tlsKey, ca.sshUserKey, ca.sshHostKey]) assertP256KeyPair(path, key);
  if (!new X509Certificate(ca.tlsCert.pem).publicKey.equals(createPublicKey(ca.tlsKey.key))) {
    throw new CertificateAuthorityError(
      ca.tlsKey.path,
      `does not belong to the certificate ${ca.tlsCert.path} (their public keys differ), so certificates signed with it would fail verification; put back the key that belongs to this certificate, or ${ROTATE}`,
    );
  }
}

/** Prefix of the temp directory a CA is built in before it is renamed into place. */
export const CA_TEMP_PREFIX = '.ca-new-';
/** The exact names fs.mkdtemp makes from that prefix: six random letters or digits. */
const CA_TEMP = /^\.ca-new-[A-Za-z0-9]{6}$/;
/**
 * Older than any creation in progress could be (creation takes well under a second), so a
 * concurrent agent's temp directory is never removed from under it.
 */
export const STALE_CA_TEMP_MS = 10 * 60_000;

/** Removes CA temp directories a killed creation left in storage; only real directories of that exact name. */
export async function removeStaleCaTemps(storageDir: string, now: Date): Promise<void> {
  for (const entry of await readdir(storageDir).catch(() => [])) {
    if (!CA_TEMP.test(entry)) continue;
    const info = await lstat(join(storageDir, entry)).catch(() => undefined);
    if (info?.isDirectory() !== true || now.getTime() - info.mtimeMs < STALE_CA_TEMP_MS) continue;
    await rm(join(storageDir, entry), { recursive: true, force: true });
  }
}
