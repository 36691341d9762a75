/** ssh_host: a host key with an OpenSSH host certificate for the principals, and the user CA for sshd. */
import { generateP256KeyPair, openSshPublicKey, privateKeyPem } from '../../ca/keys.js';
import type { SshHostOutput } from '../../config/types.js';
import type { FileEntries, RenderContext } from './render-context.js';

export async function renderSshHost(output: SshHostOutput, context: RenderContext): Promise<FileEntries> {
  const keyPair = await generateP256KeyPair();
  const certificate = await context.source.issueSshCertificate({
    publicKey: keyPair.publicKey,
    kind: 'host',
    keyId: `tbot-host-${output.principals[0] ?? ''}`,
    principals: output.principals,
    notBefore: context.notBefore,
    notAfter: context.notAfter,
  });
  return [
    ['ssh_host', privateKeyPem(keyPair.privateKey)],
    ['ssh_host.pub', openSshPublicKey(keyPair.publicKey, 'tbot-ssh-host')],
    ['ssh_host-cert.pub', certificate],
    ['ssh_host-user-ca.pub', context.source.trust().sshUserCaPublicKey],
  ];
}
