/** What every output renderer gets, and the TLS bundle most of them share. */
import type { CredentialSource, TlsCertificateRequest } from '../../ca/credential-source.js';
import { generateP256KeyPair, privateKeyPem, type KeyPair } from '../../ca/keys.js';

export interface RenderContext {
  source: CredentialSource;
  /** When this renewal started: JWTs are issued at this instant. */
  issuedAt: Date;
  notBefore: Date;
  notAfter: Date;
  /** The destination directory, when the output has one (ssh_config names its own files). */
  directory?: string;
  proxyServer?: string;
  /** The name the local CA goes by where Teleport would use its cluster name (the SPIFFE trust domain too). */
  clusterName: string;
  /** A fresh unique id (a JWT's jti). */
  newId: () => string;
  /** The command line that runs this tbot (node, the bundle): what a kubeconfig's exec plugin calls. */
  self?: readonly string[];
}

/** Names relative to the destination; a `/` puts the file in a subdirectory of the set. */
export type FileEntries = [name: string, contents: string][];

export interface TlsBundle {
  keyPem: string;
  certPem: string;
  caPem: string;
}

export async function issueTlsBundle(context: RenderContext, request: Omit<TlsCertificateRequest, 'publicKey' | 'notBefore' | 'notAfter'>, keyPair?: KeyPair): Promise<TlsBundle> {
  const keys = keyPair ?? (await generateP256KeyPair());
  const certPem = await context.source.issueTlsCertificate({ ...request, publicKey: keys.publicKey, notBefore: context.notBefore, notAfter: context.notAfter });
  return { keyPem: privateKeyPem(keys.privateKey), certPem, caPem: context.source.trust().tlsCaPem };
}

/** The same three files under the names Kubernetes TLS secrets and many servers expect. */
export function tlsSecretFiles(bundle: TlsBundle): FileEntries {
  return [
    ['tls.crt', bundle.certPem],
    ['tls.key', bundle.keyPem],
    ['tls.cas', bundle.caPem],
  ];
}
