/** Real command-line tools (openssl, ssh-keygen) used to check what the agent wrote. */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';

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

/** `openssl asn1parse` of DER bytes (sent as base64 in 64-column lines, which asn1parse reads by default). */
export function asn1parse(der: Uint8Array): string {
  return tool(
    'openssl',
    ['asn1parse', '-i'],
    `${(
      Buffer.from(der)
        .toString('base64')
        .match(/.{1,64}/g) ?? []
    ).join('\n')}\n`,
  );
}

/** asn1parse of a certificate with offsets, lengths and values removed: its shape, not its contents. */
export function x509Skeleton(pem: string): string {
  return asn1parse(new X509Certificate(pem).raw)
    .split('\n')
    .map((line) =>
      line
        .replace(/^\s*\d+:d=(\d+)\s+hl=\s*\d+ l=\s*\d+ (prim|cons):\s*/, '$1 $2 ')
        .replace(/(INTEGER|BIT STRING|OCTET STRING|UTCTIME)\b.*/, '$1')
        .replace(/\[HEX DUMP\].*/, ''),
    )
    .join('\n');
}

/** The extensions block of `openssl x509 -text`, with key identifiers blanked. */
export function x509ExtensionsText(pem: string): string {
  const text = tool('openssl', ['x509', '-noout', '-text'], pem);
  const start = text.indexOf('X509v3 extensions:');
  return text.slice(start, text.indexOf('Signature Algorithm:', start)).replace(/([0-9A-F]{2}:){19}[0-9A-F]{2}/g, '<key id>');
}
