/**
 * The embedded default credential source: a local certificate authority kept in the agent's
 * storage. It holds an X.509 root (ECDSA P-256) for TLS certificates and two SSH CA keys (user and
 * host). The first run creates it; later runs reuse it. Creation builds the whole CA in a private
 * temp directory and renames it into place, so two agents started at once agree on one CA.
 */
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Destination } from '../config/types.js';
import { CertificateAuthorityError } from '../errors.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import { findNonDirectory } from '../fs/ensure-directory.js';
import { fsyncDirectory, writeNewFileDurably } from '../fs/fsync.js';
import { assertCaKeysMatch, CA_TEMP_PREFIX, readCaFile, removeStaleCaTemps } from './ca-checks.js';
import { checkOrStorePublicKeys, publicKeyFiles, SSH_CA_COMMENTS } from './ca-public-keys.js';
import type { CredentialSource, JwtSigner, SshCertificateRequest, TlsCertificateRequest, TrustBundle } from './credential-source.js';
import { createJwtSigner } from './jwt-signer.js';
import { generateP256KeyPair, openSshPublicKey, privateKeyPem } from './keys.js';
import { createSshIssuer, issueSshCertificate, type SshIssuer } from './ssh-issuer.js';
import { readIssuerFields } from './x509-certificate.js';
import { createLeafIssuer, createRootCertificate, issueLeafCertificate, parseCertificate, type LeafIssuer } from './x509-issuer.js';

export const CA_DIRECTORY = 'ca';
const FILES = {
  tlsKey: 'tls-ca.key',
  tlsCert: 'tls-ca.crt',
  sshUserKey: 'ssh-user-ca.key',
  sshHostKey: 'ssh-host-ca.key',
} as const;
/** The root outlives every credential it issues by far; rotation is a documented manual step. */
const ROOT_VALIDITY_MS = 10 * 365 * 24 * 3_600_000;

/** Positive 128-bit X.509 serials: unique without coordination, well inside RFC 5280's 20 octets. */
function x509Serial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes;
}

interface CaMaterial {
  tlsKey: KeyObject;
  tlsCertPem: string;
  sshUserKey: KeyObject;
  sshHostKey: KeyObject;
}

export class LocalCertificateAuthority implements CredentialSource {
  private jwt: JwtSigner | undefined;

  private constructor(
    readonly description: string,
    private readonly leafIssuer: LeafIssuer,
    private readonly sshUser: SshIssuer,
    private readonly sshHost: SshIssuer,
    private readonly bundle: TrustBundle,
    private readonly tlsKey: KeyObject,
  ) {}

  static fromMaterial(material: CaMaterial, description: string): LocalCertificateAuthority {
    const sshUser = createSshIssuer(material.sshUserKey);
    const sshHost = createSshIssuer(material.sshHostKey);
    const bundle = {
      tlsCaPem: material.tlsCertPem,
      sshUserCaPublicKey: openSshPublicKey(sshUser.publicKey, SSH_CA_COMMENTS.user),
      sshHostCaPublicKey: openSshPublicKey(sshHost.publicKey, SSH_CA_COMMENTS.host),
    };
    return new LocalCertificateAuthority(description, createLeafIssuer(material.tlsCertPem, material.tlsKey), sshUser, sshHost, bundle, material.tlsKey);
  }

  trust(): TrustBundle {
    return this.bundle;
  }

  async issueTlsCertificate(request: TlsCertificateRequest): Promise<string> {
    return issueLeafCertificate(this.leafIssuer, request, x509Serial());
  }

  async issueSshCertificate(request: SshCertificateRequest): Promise<string> {
    return issueSshCertificate(request.kind === 'user' ? this.sshUser : this.sshHost, request, randomBytes(32), randomBytes(8).readBigUInt64BE());
  }

  /** Made on first use: most runs write no JWTs. */
  jwtSigner(): JwtSigner {
    this.jwt ??= createJwtSigner(this.tlsKey);
    return this.jwt;
  }
}

async function createMaterial(now: Date): Promise<CaMaterial> {
  const [tls, sshUser, sshHost] = await Promise.all([generateP256KeyPair(), generateP256KeyPair(), generateP256KeyPair()]);
  const rootPem = createRootCertificate(tls, 'tbot local CA', new Date(now.getTime() - 60_000), new Date(now.getTime() + ROOT_VALIDITY_MS), x509Serial());
  return { tlsKey: tls.privateKey, tlsCertPem: rootPem, sshUserKey: sshUser.privateKey, sshHostKey: sshHost.privateKey };
}

function materialFiles(material: CaMaterial): Record<string, string> {
  return {
    [FILES.tlsKey]: privateKeyPem(material.tlsKey),
    [FILES.tlsCert]: material.tlsCertPem,
    [FILES.sshUserKey]: privateKeyPem(material.sshUserKey),
    [FILES.sshHostKey]: privateKeyPem(material.sshHostKey),
    ...publicKeyFiles([
      { kind: 'tls', publicKey: createPublicKey(material.tlsKey) },
      { kind: 'user', publicKey: createPublicKey(material.sshUserKey) },
      { kind: 'host', publicKey: createPublicKey(material.sshHostKey) },
    ]),
  };
}

async function readMaterial(dir: string): Promise<CaMaterial> {
  const read = (name: string): Promise<string> => readCaFile(join(dir, name), name === FILES.tlsCert ? 'certificate' : 'private-key');
  const parse = <T>(name: string, text: string, parser: (text: string) => T): T => {
    try {
      return parser(text);
    } catch (error) {
      throw new CertificateAuthorityError(join(dir, name), 'corrupt: not a valid PEM key or certificate; see "Rotating the CA" in docs/outputs.md', { cause: error });
    }
  };
  const [tlsKey, tlsCert, sshUserKey, sshHostKey] = await Promise.all([read(FILES.tlsKey), read(FILES.tlsCert), read(FILES.sshUserKey), read(FILES.sshHostKey)]);
  // The issuer fields are read back from the root here, so a root our writer cannot use fails now.
  const tlsCertPem = parse(FILES.tlsCert, tlsCert, (text) => {
    readIssuerFields(parseCertificate(text).raw);
    return text;
  });
  const material = {
    tlsKey: parse(FILES.tlsKey, tlsKey, createPrivateKey),
    tlsCertPem,
    sshUserKey: parse(FILES.sshUserKey, sshUserKey, createPrivateKey),
    sshHostKey: parse(FILES.sshHostKey, sshHostKey, createPrivateKey),
  };
  // Key type, key-pair integrity and the root key matching its certificate, in one place.
  assertCaKeysMatch({
    tlsKey: { path: join(dir, FILES.tlsKey), key: material.tlsKey },
    tlsCert: { path: join(dir, FILES.tlsCert), pem: material.tlsCertPem },
    sshUserKey: { path: join(dir, FILES.sshUserKey), key: material.sshUserKey },
    sshHostKey: { path: join(dir, FILES.sshHostKey), key: material.sshHostKey },
  });
  // A valid key, but not the one this CA was created with, is only caught by its stored public half.
  await checkOrStorePublicKeys(dir, [
    { kind: 'tls', keyPath: join(dir, FILES.tlsKey), publicKey: createPublicKey(material.tlsKey) },
    { kind: 'user', keyPath: join(dir, FILES.sshUserKey), publicKey: createPublicKey(material.sshUserKey) },
    { kind: 'host', keyPath: join(dir, FILES.sshHostKey), publicKey: createPublicKey(material.sshHostKey) },
  ]);
  return material;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    const blocker = (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? await findNonDirectory(path) : undefined;
    throw new CertificateAuthorityError(path, blocker === undefined ? describeFsError(error) : `${blocker.message}; expected a directory there`, { cause: error });
  }
}

/** The storage directory is created if missing, but its parent must exist: a typo must not mint a new CA elsewhere. */
async function prepareStorage(storageDir: string): Promise<void> {
  try {
    await mkdir(storageDir, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code === 'ENOENT') throw new CertificateAuthorityError(storageDir, `parent directory ${dirname(storageDir)} does not exist`, { cause: error });
    throw new CertificateAuthorityError(storageDir, describeFsError(error), { cause: error });
  }
}

async function createInDirectory(storageDir: string, caDir: string, now: Date): Promise<'created' | 'lost-race'> {
  const temp = await mkdtemp(join(storageDir, CA_TEMP_PREFIX));
  try {
    for (const [name, text] of Object.entries(materialFiles(await createMaterial(now)))) await writeNewFileDurably(join(temp, name), text, 0o600);
    await fsyncDirectory(temp);
    try {
      await rename(temp, caDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return 'lost-race';
      throw error;
    }
    await fsyncDirectory(storageDir);
    return 'created';
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

export interface OpenedCa {
  ca: LocalCertificateAuthority;
  created: boolean;
}

export async function openLocalCa(storage: Destination, now: Date): Promise<OpenedCa> {
  if (storage.type === 'memory') {
    return { ca: LocalCertificateAuthority.fromMaterial(await createMaterial(now), 'local CA (in memory, new every start)'), created: true };
  }
  const caDir = join(storage.path, CA_DIRECTORY);
  let created = false;
  if (!(await exists(caDir))) {
    await prepareStorage(storage.path);
    try {
      created = (await createInDirectory(storage.path, caDir, now)) === 'created';
    } catch (error) {
      if (error instanceof CertificateAuthorityError) throw error;
      throw new CertificateAuthorityError(caDir, `cannot create: ${describeFsError(error)}`, { cause: error });
    }
  }
  await removeStaleCaTemps(storage.path, now);
  return { ca: LocalCertificateAuthority.fromMaterial(await readMaterial(caDir), `local CA in ${caDir}`), created };
}
