/**
 * identity: the bot's own credentials (identity artifacts), the CA material, and, unless
 * `ssh_config: off`, a known_hosts and (directory destinations only) an ssh_config for `ssh -F`.
 */
import { join } from 'node:path';
import type { IdentityOutput } from '../../config/types.js';
import type { FileEntries, RenderContext } from './render-context.js';
import { identityArtifacts, issueTeleportIdentity } from './teleport-identity.js';

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

export async function renderIdentity(output: IdentityOutput, context: RenderContext): Promise<FileEntries> {
  const identity = await issueTeleportIdentity(context, { roles: output.roles, routeToCluster: output.cluster, disallowReissue: !output.allowReissue });
  const trust = context.source.trust();
  const files: FileEntries = [...identityArtifacts(identity, context), ['sshcacerts', `cert-authority ${trust.sshUserCaPublicKey}`]];
  if (output.sshConfig === 'on') {
    files.push(['known_hosts', `@cert-authority * ${trust.sshHostCaPublicKey}`]);
    if (context.directory !== undefined) files.push(['ssh_config', sshConfig(context.directory)]);
  }
  return files;
}
