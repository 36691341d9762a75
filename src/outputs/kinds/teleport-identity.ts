/**
 * One key pair certified twice, as an X.509 client certificate and an OpenSSH user certificate,
 * with what Teleport records about the identity in the places Teleport records it:
 *
 *   roles            X.509 subject O (2.5.4.10), one per role;  SSH extension teleport-roles = {"version":"v1","roles":[…]}
 *   route to cluster X.509 subject street (2.5.4.9);            SSH extension teleport-route-to-cluster
 *   no reissue       X.509 subject 1.3.9999.2.9 = "true";       SSH flag extension disallow-reissue
 *
 * and the files tbot writes for such an identity ("identity artifacts"), among them the Teleport
 * identity file that `tsh -i` and `tctl -i` read.
 */
import type { DistinguishedName } from '../../ca/credential-source.js';
import { generateP256KeyPair, openSshPublicKey, privateKeyPem, type KeyPair } from '../../ca/keys.js';
import { DEFAULT_USER_EXTENSIONS } from '../../ca/ssh-issuer.js';
import type { FileEntries, RenderContext } from './render-context.js';

/** Without a cluster there are no roles to map logins from; the certificates name the bot itself. */
export const IDENTITY_USER = 'tbot';
/** Teleport's subject attribute for "this certificate may not be used to get more certificates". */
export const DISALLOW_REISSUE_OID = '1.3.9999.2.9';

export interface IdentityClaims {
  roles: readonly string[];
  routeToCluster?: string | undefined;
  disallowReissue: boolean;
  /** Subject entries after the CN, e.g. a database's OU. */
  subject?: DistinguishedName;
  /** CN; the bot's user name unless a kind needs another (the database user). */
  commonName?: string;
  uris?: readonly string[];
}

export interface TeleportIdentity {
  keyPair: KeyPair;
  keyPem: string;
  tlsCertPem: string;
  /** One OpenSSH line, newline-terminated. */
  sshCert: string;
  caPem: string;
}

function tlsSubject(claims: IdentityClaims): DistinguishedName {
  return [
    ['CN', claims.commonName ?? IDENTITY_USER],
    ...(claims.subject ?? []),
    ...claims.roles.map((role) => ['O', role] as const),
    ...(claims.routeToCluster === undefined ? [] : [['street', claims.routeToCluster] as const]),
    ...(claims.disallowReissue ? [[{ oid: DISALLOW_REISSUE_OID }, 'true'] as const] : []),
  ];
}

function sshExtensions(claims: IdentityClaims): Record<string, string> {
  return {
    ...DEFAULT_USER_EXTENSIONS,
    ...(claims.roles.length === 0 ? {} : { 'teleport-roles': JSON.stringify({ version: 'v1', roles: claims.roles }) }),
    ...(claims.routeToCluster === undefined ? {} : { 'teleport-route-to-cluster': claims.routeToCluster }),
    ...(claims.disallowReissue ? { 'disallow-reissue': '' } : {}),
  };
}

export async function issueTeleportIdentity(context: RenderContext, claims: IdentityClaims): Promise<TeleportIdentity> {
  const keyPair = await generateP256KeyPair();
  const [tlsCertPem, sshCert] = await Promise.all([
    context.source.issueTlsCertificate({
      publicKey: keyPair.publicKey,
      subject: tlsSubject(claims),
      ...(claims.uris === undefined ? {} : { uris: claims.uris }),
      usage: 'client',
      notBefore: context.notBefore,
      notAfter: context.notAfter,
    }),
    context.source.issueSshCertificate({
      publicKey: keyPair.publicKey,
      kind: 'user',
      keyId: `tbot-identity-${context.notBefore.toISOString()}`,
      principals: [IDENTITY_USER],
      notBefore: context.notBefore,
      notAfter: context.notAfter,
      extensions: sshExtensions(claims),
    }),
  ]);
  return { keyPair, keyPem: privateKeyPem(keyPair.privateKey), tlsCertPem, sshCert, caPem: context.source.trust().tlsCaPem };
}

const withNewline = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);

/**
 * Teleport's identity file: the private key, the SSH certificate, the TLS certificate, the host CA
 * as known_hosts lines, then the TLS CA certificates, in that order (Teleport's reader tells them
 * apart by position and prefix).
 */
export function identityFile(identity: TeleportIdentity, context: RenderContext): string {
  const cluster = context.clusterName;
  // Key type and key only: the comment field carries Teleport's type=host.
  const hostCa = context.source.trust().sshHostCaPublicKey.trim().split(' ').slice(0, 2).join(' ');
  return [
    withNewline(identity.keyPem),
    withNewline(identity.sshCert),
    withNewline(identity.tlsCertPem),
    `@cert-authority ${cluster},*.${cluster} ${hostCa} type=host\n`,
    withNewline(identity.caPem),
  ].join('');
}

/**
 * The CA files tbot writes beside every credential. The local CA has one X.509 root for all
 * purposes, so the host, user and database files hold the same certificate.
 */
export function teleportCaFiles(caPem: string, which: readonly ('host' | 'user' | 'database')[] = ['host', 'user', 'database']): FileEntries {
  return which.map((kind) => [`teleport-${kind}-ca.crt`, caPem]);
}

/** The files every credential output (identity, database, application, kubernetes) writes. */
export function identityArtifacts(identity: TeleportIdentity, context: RenderContext): FileEntries {
  return [
    ['key', identity.keyPem],
    ['key.pub', openSshPublicKey(identity.keyPair.publicKey, 'tbot-identity')],
    ['key-cert.pub', identity.sshCert],
    ['tlscert', identity.tlsCertPem],
    ['tlscacerts', identity.caPem],
    ['identity', identityFile(identity, context)],
    ...teleportCaFiles(identity.caPem),
  ];
}
