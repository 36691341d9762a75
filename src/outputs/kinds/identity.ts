/**
 * identity: one key pair certified twice, as an OpenSSH user certificate and an X.509 client
 * certificate, plus the CA material and an ssh_config that ties them together for `ssh -F`.
 */
import { join } from 'node:path';
import { generateP256KeyPair, openSshPublicKey } from '../../ca/keys.js';
import { issueTlsBundle, tlsFiles, type FileEntries, type RenderContext } from './render-context.js';

/** Without a cluster there are no roles to map logins from; the certificate names the bot itself. */
export const IDENTITY_SSH_PRINCIPAL = 'tbot';

function sshConfig(directory: string): string {
  const file = (name: string): string => JSON.stringify(join(directory, name));
  return [
    '# Written by tbot. Use it with: ssh -F <this file> user@host',
    'Host *',
    `    IdentityFile ${file('key')}`,
    `    CertificateFile ${file('key-cert.pub')}`,
    `    UserKnownHostsFile ${file('known_hosts')}`,
    '    IdentitiesOnly yes',
    '    StrictHostKeyChecking yes',
    '',
  ].join('\n');
}

export async function renderIdentity(context: RenderContext): Promise<FileEntries> {
  const keyPair = await generateP256KeyPair();
  const [tls, sshCert] = await Promise.all([
    issueTlsBundle(context, { subject: [['CN', IDENTITY_SSH_PRINCIPAL]], usage: 'client' }, keyPair),
    context.source.issueSshCertificate({
      publicKey: keyPair.publicKey,
      kind: 'user',
      keyId: `tbot-identity-${context.notBefore.toISOString()}`,
      principals: [IDENTITY_SSH_PRINCIPAL],
      notBefore: context.notBefore,
      notAfter: context.notAfter,
    }),
  ]);
  const trust = context.source.trust();
  const files: FileEntries = [
    ...tlsFiles(tls),
    ['key.pub', openSshPublicKey(keyPair.publicKey, 'tbot-identity')],
    ['key-cert.pub', sshCert],
    ['sshcacerts', `cert-authority ${trust.sshUserCaPublicKey}`],
    ['known_hosts', `@cert-authority * ${trust.sshHostCaPublicKey}`],
  ];
  if (context.directory !== undefined) files.push(['ssh_config', sshConfig(context.directory)]);
  return files;
}
