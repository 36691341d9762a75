/**
 * The usage submitter's transport: the reporter's own (ky over node:https, one bounded attempt,
 * never throws) with a client certificate, because SubmitUsageReports names the tenant by mutual
 * TLS. The three PEM files are read once, bounded, when the transport is made, so a wrong path
 * fails at start-up with its name rather than at the first send.
 */
import type { ClientTlsOptions } from '../net/node-http-fetch.js';
import { readRegularFile } from '../fs/read-regular-file.js';
import type { Transport } from './transport.js';

export interface MtlsFiles {
  /** The CA that issued the collector's server certificate (PEM). */
  caFile: string;
  /** This tenant's client certificate (PEM), e.g. from `tbot-collector tenant add`. */
  certFile: string;
  /** Its private key (PEM). */
  keyFile: string;
}

export class TlsFileError extends Error {
  override name = 'TlsFileError';
  constructor(
    readonly file: string,
    readonly option: keyof MtlsFiles,
    problem: string,
  ) {
    super(`${option} ${file}: ${problem}`);
  }
}

/** A PEM bundle is a few KiB; this bounds a wrong path (a log file, /dev/zero). */
const MAX_PEM_BYTES = 256 * 1024;

async function readPem(file: string, option: keyof MtlsFiles): Promise<string> {
  let text: string;
  try {
    text = await readRegularFile(file, MAX_PEM_BYTES);
  } catch (error) {
    throw new TlsFileError(file, option, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  if (!text.includes('-----BEGIN ')) throw new TlsFileError(file, option, 'not PEM (no -----BEGIN line)');
  return text;
}

export async function loadClientTls(files: MtlsFiles): Promise<ClientTlsOptions> {
  const [ca, cert, key] = await Promise.all([readPem(files.caFile, 'caFile'), readPem(files.certFile, 'certFile'), readPem(files.keyFile, 'keyFile')]);
  return { ca, cert, key };
}

/** A Transport presenting the client certificate; ky and node:https load on its first send. */
export async function mtlsTransport(files: MtlsFiles): Promise<Transport> {
  const tls = await loadClientTls(files);
  return (request, options) => import('./http-transport.js').then(({ sendHttpRequest }) => sendHttpRequest(request, options, tls));
}
