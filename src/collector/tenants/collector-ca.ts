/**
 * The collector's own certificate authority, kept in <data dir>/tls: an ECDSA P-256 root that
 * issues the server certificate (--tls) and the tenants' client certificates (tenant add). It is
 * created on first use, whole or not at all: the files are written in a private temp directory
 * that is then renamed into place, so two commands started at once agree on one CA.
 */
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFsError } from '../../fs/describe-fs-error.js';
import { fsyncDirectory, writeNewFileDurably } from '../../fs/fsync.js';
import { RefusedFileError, readRegularFile } from '../../fs/read-regular-file.js';
import { generateP256KeyPair, privateKeyPem } from '../../ca/keys.js';
import { createLeafIssuer, createRootCertificate, issueLeafCertificate, parseCertificate, type LeafIssuer } from '../../ca/x509-issuer.js';
import { TlsSetupError } from './errors.js';

export const TLS_DIRECTORY = 'tls';
export const CA_CERT_FILE = 'ca.crt';
const CA_KEY_FILE = 'ca.key';
const CA_TEMP_PREFIX = '.tls-new-';
const ROOT_VALIDITY_MS = 10 * 365 * 24 * 3_600_000;
/** A server certificate is issued at every start, so a short life costs nothing. */
const SERVER_VALIDITY_MS = 90 * 24 * 3_600_000;
/** PEM files this small hold one key or one certificate; anything bigger is not ours. */
const MAX_PEM_BYTES = 64 * 1024;

/** Positive 128-bit serials: unique without coordination, inside RFC 5280's 20 octets. */
export function newSerial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** Upper-case hex, as node:crypto's X509Certificate.serialNumber prints it. */
  serial: string;
  notAfter: Date;
}

export class CollectorCa {
  private readonly issuer: LeafIssuer;
  constructor(
    readonly certPem: string,
    key: KeyObject,
    readonly certPath: string,
  ) {
    this.issuer = createLeafIssuer(certPem, key);
  }

  /** The server's certificate for `names` (DNS names or IP addresses), with a fresh key. */
  async issueServer(names: { dnsNames: readonly string[]; ipAddresses: readonly string[] }, now: Date): Promise<IssuedCertificate> {
    return this.issue([['CN', names.dnsNames[0] ?? names.ipAddresses[0] ?? 'tbot-collector']], 'server', names, now, SERVER_VALIDITY_MS);
  }

  /** A tenant's client certificate: the tenant is the subject's CN. */
  async issueTenant(tenant: string, now: Date, validityMs: number): Promise<IssuedCertificate> {
    return this.issue([['CN', tenant]], 'client', { dnsNames: [], ipAddresses: [] }, now, validityMs);
  }

  private async issue(
    subject: [['CN', string]],
    usage: 'client' | 'server',
    names: { dnsNames: readonly string[]; ipAddresses: readonly string[] },
    now: Date,
    validityMs: number,
  ): Promise<IssuedCertificate> {
    const keys = await generateP256KeyPair();
    const serial = newSerial();
    // A minute back, so a client whose clock is a little behind accepts it at once.
    const notBefore = new Date(now.getTime() - 60_000);
    const notAfter = new Date(now.getTime() + validityMs);
    const certPem = issueLeafCertificate(
      this.issuer,
      { publicKey: keys.publicKey, subject, dnsNames: names.dnsNames, ipAddresses: names.ipAddresses, usage, notBefore, notAfter },
      serial,
    );
    return { certPem, keyPem: privateKeyPem(keys.privateKey), serial: parseCertificate(certPem).serialNumber.toUpperCase(), notAfter };
  }
}

async function readPem(path: string): Promise<string> {
  try {
    return await readRegularFile(path, MAX_PEM_BYTES);
  } catch (error) {
    throw new TlsSetupError(path, `cannot read: ${error instanceof RefusedFileError ? error.message : describeFsError(error)}`);
  }
}

async function createCa(dataDir: string, tlsDir: string, now: Date): Promise<void> {
  const keys = await generateP256KeyPair();
  const certPem = createRootCertificate(keys, 'tbot-collector CA', new Date(now.getTime() - 60_000), new Date(now.getTime() + ROOT_VALIDITY_MS), newSerial());
  const temp = await mkdtemp(join(dataDir, CA_TEMP_PREFIX));
  try {
    await writeNewFileDurably(join(temp, CA_KEY_FILE), privateKeyPem(keys.privateKey), 0o600);
    await writeNewFileDurably(join(temp, CA_CERT_FILE), certPem, 0o644);
    await fsyncDirectory(temp);
    try {
      await rename(temp, tlsDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another command created it first: theirs is the CA.
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return;
      throw error;
    }
    await fsyncDirectory(dataDir);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** The CA in <dataDir>/tls, created when `create` and missing. The data dir itself must be prepared already. */
export async function openCollectorCa(dataDir: string, now: Date, create: boolean): Promise<CollectorCa> {
  const tlsDir = join(dataDir, TLS_DIRECTORY);
  const certPath = join(tlsDir, CA_CERT_FILE);
  const keyPath = join(tlsDir, CA_KEY_FILE);
  let exists = true;
  try {
    await readRegularFile(certPath, MAX_PEM_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new TlsSetupError(certPath, error instanceof RefusedFileError ? error.message : describeFsError(error));
    exists = false;
  }
  if (!exists) {
    if (!create) throw new TlsSetupError(tlsDir, 'no collector CA here yet; it is created by the first `tenant add` or `serve --tls`');
    await createCa(dataDir, tlsDir, now).catch((error: unknown) =>
      Promise.reject(error instanceof TlsSetupError ? error : new TlsSetupError(tlsDir, `cannot create the CA: ${describeFsError(error)}`)),
    );
  }
  const [certPem, keyPem] = await Promise.all([readPem(certPath), readPem(keyPath)]);
  try {
    return new CollectorCa(certPem, createPrivateKey(keyPem), certPath);
  } catch (error) {
    throw new TlsSetupError(tlsDir, `the CA's key or certificate is corrupt: ${(error as Error).message}`);
  }
}
