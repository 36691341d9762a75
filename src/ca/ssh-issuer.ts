/** OpenSSH certificates with sshpk: no hand-written SSH wire encoding. */
import { randomBytes } from 'node:crypto';
import sshpk from 'sshpk';
import type { SshCertificateRequest } from './credential-source.js';
import { sshpkPublicKey } from './keys.js';

/** What `ssh-keygen -s` grants a user certificate by default; host certificates carry none. */
const USER_EXTENSIONS = ['permit-X11-forwarding', 'permit-agent-forwarding', 'permit-port-forwarding', 'permit-pty', 'permit-user-rc'];

export function issueSshCertificate(caKey: sshpk.PrivateKey, request: SshCertificateRequest): string {
  const identities = request.principals.map((principal) => (request.kind === 'user' ? sshpk.identityForUser(principal) : sshpk.identityForHost(principal)));
  const issuer = sshpk.identityForUser('tbot-local-ca');
  const certificate = sshpk.createCertificate(identities, sshpkPublicKey(request.publicKey), issuer, caKey, {
    validFrom: request.notBefore,
    validUntil: request.notAfter,
    serial: randomBytes(8),
  });
  const openssh = certificate.signatures.openssh as { keyId?: string; exts?: { name: string; critical: boolean; data: Buffer }[] };
  openssh.keyId = request.keyId;
  openssh.exts = request.kind === 'user' ? USER_EXTENSIONS.map((extension) => ({ name: extension, critical: false, data: Buffer.alloc(0) })) : [];
  // The key id and extensions are part of the signed blob, so sign again after setting them.
  certificate.signWith(caKey);
  return `${certificate.toString('openssh')}\n`;
}
