/**
 * What `serve --tls` listens with: the server certificate (issued now by the collector's CA for
 * the default names plus --tls-san, or the user's own --tls-cert/--tls-key), and who is trusted to
 * name a tenant (the collector's CA, plus --client-ca).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { describeFsError } from '../../fs/describe-fs-error.js';
import { RefusedFileError, readRegularFile } from '../../fs/read-regular-file.js';
import { openCollectorCa } from './collector-ca.js';
import { TlsSetupError } from './errors.js';
import { TenantTrust } from './tenant-trust.js';

export type TlsSource = { kind: 'own-ca'; sans: readonly string[] } | { kind: 'files'; certFile: string; keyFile: string };

export interface TlsServeOptions {
  source: TlsSource;
  /** An external CA's PEM bundle whose client certificates name tenants by CN. */
  clientCaFile?: string;
}

export interface ServerTls {
  certPem: string;
  keyPem: string;
  tenants: TenantTrust;
  /** Where clients find the CA that issued the server certificate (own-ca), for the start-up log. */
  caPath?: string;
}

/** Names every local client can use; --tls-san adds the ones remote clients use. */
export const DEFAULT_SANS = ['localhost', '127.0.0.1', '::1'] as const;
const DNS_NAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const MAX_SANS = 100;
const MAX_PEM_BYTES = 256 * 1024;

/** A --tls-san value: a DNS name (a leading "*." allowed) or an IP address; undefined when fine. */
export function sanProblem(name: string): string | undefined {
  if (isIP(name) !== 0 || DNS_NAME.test(name)) return undefined;
  return 'expected a DNS name (e.g. collector.example.com) or an IP address';
}

export function splitSans(names: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const unique = [...new Set(names.map((name) => name.toLowerCase()))];
  if (unique.length > MAX_SANS) throw new TlsSetupError('--tls-san', `${unique.length} names; at most ${MAX_SANS}`);
  return { dnsNames: unique.filter((name) => isIP(name) === 0), ipAddresses: unique.filter((name) => isIP(name) !== 0) };
}

async function readPem(path: string): Promise<string> {
  try {
    return await readRegularFile(path, MAX_PEM_BYTES);
  } catch (error) {
    throw new TlsSetupError(path, `cannot read: ${error instanceof RefusedFileError ? error.message : describeFsError(error)}`);
  }
}

function checkCertificate(path: string, pem: string): void {
  try {
    new X509Certificate(pem);
  } catch (error) {
    throw new TlsSetupError(path, `not a PEM certificate: ${(error as Error).message}`);
  }
}

export async function prepareServerTls(dataDir: string, options: TlsServeOptions, now: Date, onRegistryError: (error: Error) => void): Promise<ServerTls> {
  const ca = await openCollectorCa(dataDir, now, true);
  let certPem: string;
  let keyPem: string;
  if (options.source.kind === 'own-ca') {
    const issued = await ca.issueServer(splitSans([...DEFAULT_SANS, ...options.source.sans]), now);
    ({ certPem, keyPem } = issued);
  } else {
    [certPem, keyPem] = await Promise.all([readPem(options.source.certFile), readPem(options.source.keyFile)]);
    checkCertificate(options.source.certFile, certPem);
    try {
      createPrivateKey(keyPem);
    } catch (error) {
      throw new TlsSetupError(options.source.keyFile, `not a PEM private key: ${(error as Error).message}`);
    }
    const certificate = new X509Certificate(certPem);
    if (!certificate.checkPrivateKey(createPrivateKey(keyPem))) throw new TlsSetupError(options.source.keyFile, `is not the key of ${options.source.certFile}`);
  }
  let clientCaPem: string | undefined;
  if (options.clientCaFile !== undefined) {
    clientCaPem = await readPem(options.clientCaFile);
    checkCertificate(options.clientCaFile, clientCaPem);
  }
  const tenants = new TenantTrust({ dataDir, ownCaPem: ca.certPem, ...(clientCaPem === undefined ? {} : { clientCaPem }), onRegistryError });
  return { certPem, keyPem, tenants, ...(options.source.kind === 'own-ca' ? { caPath: ca.certPath } : {}) };
}
