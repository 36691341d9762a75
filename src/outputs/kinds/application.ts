/**
 * application: a client certificate for one app, named by a URI SAN `app://<app_name>`;
 * `specific_tls_naming` adds the tls.crt / tls.key / tls.cas names many servers expect.
 */
import type { ApplicationOutput } from '../../config/types.js';
import { tlsSecretFiles, type FileEntries, type RenderContext } from './render-context.js';
import { identityArtifacts, issueTeleportIdentity } from './teleport-identity.js';

export async function renderApplication(output: ApplicationOutput, context: RenderContext): Promise<FileEntries> {
  const identity = await issueTeleportIdentity(context, { roles: output.roles, disallowReissue: true, uris: [`app://${encodeURIComponent(output.appName)}`] });
  const files = identityArtifacts(identity, context);
  if (output.specificTlsNaming) files.push(...tlsSecretFiles({ certPem: identity.tlsCertPem, keyPem: identity.keyPem, caPem: identity.caPem }));
  return files;
}
