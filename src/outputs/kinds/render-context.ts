/** What every output renderer gets, and the TLS bundle most of them share. */
import type { CredentialSource, TlsCertificateRequest } from '../../ca/credential-source.js';
import { generateP256KeyPair, privateKeyPem, type KeyPair } from '../../ca/keys.js';

export interface RenderContext {
  source: CredentialSource;
  notBefore: Date;
  notAfter: Date;
  /** The destination directory, when the output has one (ssh_config names its own files). */
  directory?: string;
  proxyServer?: string;
}

export type FileEntries = [name: string, contents: string][];

export interface TlsBundle {
  keyPem: string;
  certPem: string;
  caPem: string;
}

export async function issueTlsBundle(
  context: RenderContext,
  request: Omit<TlsCertificateRequest, 'publicKey' | 'notBefore' | 'notAfter'>,
  keyPair?: KeyPair,
): Promise<TlsBundle> {
  const keys = keyPair ?? (await generateP256KeyPair());
  const certPem = await context.source.issueTlsCertificate({ ...request, publicKey: keys.publicKey, notBefore: context.notBefore, notAfter: context.notAfter });
  return { keyPem: privateKeyPem(keys.privateKey), certPem, caPem: context.source.trust().tlsCaPem };
}

/** The three files every TLS-based output writes, under tbot's names. */
export function tlsFiles(bundle: TlsBundle): FileEntries {
  return [
    ['tlscert', bundle.certPem],
    ['key', bundle.keyPem],
    ['tlscacerts', bundle.caPem],
  ];
}
