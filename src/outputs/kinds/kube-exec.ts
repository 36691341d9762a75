/**
 * The kubectl exec plugin, both halves. A kubeconfig written with `disable_exec_plugin: false`
 * (the default) names no credentials: its user runs `tbot kube credentials --destination-dir=DIR`,
 * as Go tbot's do, and kubectl gets a fresh certificate from DIR at every call, so a long-lived
 * client sees renewals without re-reading the kubeconfig. The plugin reads the output's `identity`
 * file (key and certificates, as Go's reads it) and prints an ExecCredential of the API version
 * Go tbot uses. Pure: text and times in, data out.
 */
import { X509Certificate } from 'node:crypto';

/** The ExecCredential API version of Go tbot's kubeconfigs and plugin (both must agree). */
export const EXEC_API_VERSION = 'client.authentication.k8s.io/v1beta1';

/** The exec stanza of a kubeconfig user: `self` runs this tbot; the destination is absolute. */
export function execUser(self: readonly string[], destinationDir: string): Record<string, unknown> {
  const [command, ...prefix] = self;
  return { exec: { apiVersion: EXEC_API_VERSION, command, args: [...prefix, 'kube', 'credentials', `--destination-dir=${destinationDir}`] } };
}

export class IdentityFileError extends Error {
  override name = 'IdentityFileError';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----\r?\n?/g;

/** The private key and the first X.509 certificate (the identity's own; CAs follow it) of an identity file. */
export function readIdentityFile(text: string): { keyPem: string; certPem: string } {
  let keyPem: string | undefined;
  let certPem: string | undefined;
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1] as string;
    if (keyPem === undefined && label.endsWith('PRIVATE KEY')) keyPem = match[0];
    if (certPem === undefined && label === 'CERTIFICATE') certPem = match[0];
  }
  if (keyPem === undefined) throw new IdentityFileError('it holds no PEM private key');
  if (certPem === undefined) throw new IdentityFileError('it holds no PEM certificate');
  return { keyPem: withNewline(keyPem), certPem: withNewline(certPem) };
}

const withNewline = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);

/** Go's metav1.Time form: RFC 3339 in UTC, whole seconds. */
const kubeTime = (date: Date): string => `${date.toISOString().slice(0, 19)}Z`;

/**
 * The ExecCredential for an identity. It says the certificate expires a minute early (when more
 * than a minute is left), as Go's does, so kubectl fetches a new one before a request can fail.
 */
export function execCredential(identity: { keyPem: string; certPem: string }, now: Date): Record<string, unknown> {
  let notAfter: Date;
  try {
    notAfter = new Date(new X509Certificate(identity.certPem).validTo);
  } catch (error) {
    throw new IdentityFileError(`its certificate cannot be parsed: ${(error as Error).message}`);
  }
  const expiry = notAfter.getTime() - now.getTime() > 60_000 ? new Date(notAfter.getTime() - 60_000) : notAfter;
  return {
    kind: 'ExecCredential',
    apiVersion: EXEC_API_VERSION,
    spec: { interactive: false },
    status: { expirationTimestamp: kubeTime(expiry), clientCertificateData: identity.certPem, clientKeyData: identity.keyPem },
  };
}
