/**
 * Where certificates come from. The agent generates its own key pairs and asks a source to certify
 * the public halves, which is also how a cluster-backed source (Teleport's join and certificate
 * API) works, so one can be added later without touching the outputs.
 */
import type { KeyObject } from 'node:crypto';

export type TlsUsage = 'client' | 'server' | 'client-and-server';

export interface TlsCertificateRequest {
  publicKey: KeyObject;
  /** Relative distinguished names, in order, e.g. [['CN', 'tbot']]. */
  subject: readonly (readonly [attribute: 'CN' | 'O' | 'OU', value: string])[];
  dnsNames?: readonly string[];
  uris?: readonly string[];
  usage: TlsUsage;
  notBefore: Date;
  notAfter: Date;
}

export interface SshCertificateRequest {
  /** OpenSSH public key line, e.g. "ecdsa-sha2-nistp256 AAAA…". */
  publicKey: KeyObject;
  kind: 'user' | 'host';
  keyId: string;
  principals: readonly string[];
  notBefore: Date;
  notAfter: Date;
}

export interface TrustBundle {
  /** PEM of the X.509 roots that issued the TLS certificates. */
  tlsCaPem: string;
  /** OpenSSH public key of the CA that signs user certificates. */
  sshUserCaPublicKey: string;
  /** OpenSSH public key of the CA that signs host certificates. */
  sshHostCaPublicKey: string;
}

export interface CredentialSource {
  readonly description: string;
  trust(): TrustBundle;
  /** Returns the certificate as PEM. */
  issueTlsCertificate(request: TlsCertificateRequest): Promise<string>;
  /** Returns the certificate as one OpenSSH line (…-cert-v01@openssh.com). */
  issueSshCertificate(request: SshCertificateRequest): Promise<string>;
}
