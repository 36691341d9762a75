/** The local CA's SSH half: a certificate request turned into a signed OpenSSH certificate. */
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SshCertificateRequest } from './credential-source.js';
import { encodeSshCertificateBody, signSshCertificate, sshCertificateLine } from './ssh-certificate.js';

/** What `ssh-keygen -s` grants a user certificate by default; host certificates carry none. */
export const DEFAULT_USER_EXTENSIONS: Readonly<Record<string, string>> = {
  'permit-X11-forwarding': '',
  'permit-agent-forwarding': '',
  'permit-port-forwarding': '',
  'permit-pty': '',
  'permit-user-rc': '',
};

export interface SshIssuer {
  key: KeyObject;
  publicKey: KeyObject;
}

export function createSshIssuer(caPrivateKey: KeyObject): SshIssuer {
  return { key: caPrivateKey, publicKey: createPublicKey(caPrivateKey) };
}

/** `nonce` and `serial` come from the caller's randomness (64-bit serial, as OpenSSH's field is). */
export function issueSshCertificate(issuer: SshIssuer, request: SshCertificateRequest, nonce: Uint8Array, serial: bigint): string {
  if (!(request.notAfter.getTime() > request.notBefore.getTime())) throw new RangeError('an SSH certificate must end after it starts');
  const body = encodeSshCertificateBody(
    {
      nonce,
      publicKey: request.publicKey,
      serial,
      kind: request.kind,
      keyId: request.keyId,
      principals: request.principals,
      validAfter: request.notBefore,
      validBefore: request.notAfter,
      criticalOptions: request.criticalOptions ?? {},
      extensions: request.extensions ?? (request.kind === 'user' ? DEFAULT_USER_EXTENSIONS : {}),
    },
    issuer.publicKey,
  );
  return sshCertificateLine(signSshCertificate(body, issuer.key));
}
