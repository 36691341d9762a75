/**
 * Where certificates come from. The agent generates its own key pairs and asks a source to certify
 * the public halves, which is also how a cluster-backed source (Teleport's join and certificate
 * API) works, so one can be added later without touching the outputs.
 */
import type { JsonWebKey, KeyObject } from 'node:crypto';

export type TlsUsage = 'client' | 'server' | 'client-and-server';

/**
 * Subject attributes by their usual short names (street is streetAddress, postalCode 2.5.4.17).
 * Teleport's identities put the user in CN, roles in O (one per role), usage in OU, logins in L,
 * the route to a cluster in street and traits in postalCode; `{ oid }` covers its private
 * attributes (1.3.9999.…).
 */
export type SubjectAttribute = 'CN' | 'O' | 'OU' | 'L' | 'ST' | 'C' | 'street' | 'postalCode' | { readonly oid: string };

/** Relative distinguished names, in order, one per entry, e.g. [['CN', 'alice'], ['O', 'admins'], ['O', 'dev']]. */
export type DistinguishedName = readonly (readonly [attribute: SubjectAttribute, value: string])[];

/** An extension written as given: `derValue` is the DER inside the extnValue OCTET STRING. */
export interface CertificateExtension {
  oid: string;
  critical: boolean;
  derValue: Uint8Array;
}

export interface TlsCertificateRequest {
  publicKey: KeyObject;
  subject: DistinguishedName;
  dnsNames?: readonly string[];
  /** IPv4 or IPv6 addresses, in their usual text forms. */
  ipAddresses?: readonly string[];
  uris?: readonly string[];
  usage: TlsUsage;
  notBefore: Date;
  notAfter: Date;
  /** Written after the standard extensions; an OID that is already there is rejected. */
  extraExtensions?: readonly CertificateExtension[];
}

export interface SshCertificateRequest {
  publicKey: KeyObject;
  kind: 'user' | 'host';
  keyId: string;
  principals: readonly string[];
  notBefore: Date;
  notAfter: Date;
  /**
   * Name → value. An empty value is a flag (permit-pty); any other value is carried as an SSH
   * string inside the extension data, as OpenSSH does. Absent: user certificates get the
   * permit-* set `ssh-keygen -s` grants by default, host certificates none.
   */
  extensions?: Readonly<Record<string, string>>;
  /** Name → value, encoded like extensions (e.g. force-command, source-address). */
  criticalOptions?: Readonly<Record<string, string>>;
}

export interface TrustBundle {
  /** PEM of the X.509 roots that issued the TLS certificates. */
  tlsCaPem: string;
  /** OpenSSH public key of the CA that signs user certificates. */
  sshUserCaPublicKey: string;
  /** OpenSSH public key of the CA that signs host certificates. */
  sshHostCaPublicKey: string;
}

/** ES256 signing for JWTs (JWT-SVIDs): the caller builds the JWS signing input and the JWKS. */
export interface JwtSigner {
  /** RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  /** The public key, with kid, alg ES256 and use sig: one entry of a JWKS. */
  readonly jwk: JsonWebKey;
  /** The JWS signature: raw r‖s (64 bytes), not DER. */
  sign(signingInput: Uint8Array): Buffer;
}

export interface CredentialSource {
  readonly description: string;
  trust(): TrustBundle;
  /** Returns the certificate as PEM. */
  issueTlsCertificate(request: TlsCertificateRequest): Promise<string>;
  /** Returns the certificate as one OpenSSH line (…-cert-v01@openssh.com). */
  issueSshCertificate(request: SshCertificateRequest): Promise<string>;
  jwtSigner(): JwtSigner;
}
