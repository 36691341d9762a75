/** Real command-line tools (openssl, ssh-keygen) used to check what the agent wrote. */
import { execFileSync } from 'node:child_process';

export function tool(command: string, args: readonly string[], input?: string): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input === undefined ? {} : { input }) });
}

/** `openssl x509 -noout -enddate` → Date. */
export function certificateEnd(path: string): Date {
  const line = tool('openssl', ['x509', '-noout', '-enddate', '-in', path]).trim();
  return new Date(line.replace(/^notAfter=/, ''));
}

export function certificatePublicKey(pathOrPem: { path: string } | { pem: string }): string {
  return 'path' in pathOrPem ? tool('openssl', ['x509', '-noout', '-pubkey', '-in', pathOrPem.path]) : tool('openssl', ['x509', '-noout', '-pubkey'], pathOrPem.pem);
}

export function privateKeyPublicKey(path: string): string {
  return tool('openssl', ['pkey', '-pubout', '-in', path]);
}
