/**
 * database: a client certificate a database proxy can route and authorize. The subject CN is the
 * database user (what PostgreSQL's `clientcert=verify-full` and MySQL's REQUIRE SUBJECT check),
 * and a URI SAN `db://<service>/<database>` names the route. `format` adds the file layout a
 * client expects, under tbot's names.
 */
import type { DatabaseOutput } from '../../config/types.js';
import { tlsSecretFiles, type FileEntries, type RenderContext } from './render-context.js';
import { identityArtifacts, issueTeleportIdentity, type TeleportIdentity } from './teleport-identity.js';

/** CockroachDB reads a certs directory; tbot keeps it in a subdirectory of the destination. */
export const COCKROACH_DIRECTORY = 'cockroach';

function databaseRouteUri(output: DatabaseOutput): string {
  return `db://${encodeURIComponent(output.service)}/${output.database === undefined ? '' : encodeURIComponent(output.database)}`;
}

function formatFiles(format: DatabaseOutput['format'], identity: TeleportIdentity): FileEntries {
  const { tlsCertPem: certPem, keyPem, caPem } = identity;
  switch (format) {
    case 'default':
      return [];
    case 'tls':
      return tlsSecretFiles({ certPem, keyPem, caPem });
    case 'mongo':
      // MongoDB's --tlsCertificateKeyFile takes the certificate and its key in one file.
      return [
        ['mongo.crt', `${certPem}${keyPem}`],
        ['mongo.cas', caPem],
      ];
    case 'cockroach':
      return [
        [`${COCKROACH_DIRECTORY}/node.crt`, certPem],
        [`${COCKROACH_DIRECTORY}/node.key`, keyPem],
        [`${COCKROACH_DIRECTORY}/ca.crt`, caPem],
        [`${COCKROACH_DIRECTORY}/ca-client.crt`, caPem],
      ];
  }
}

export async function renderDatabase(output: DatabaseOutput, context: RenderContext): Promise<FileEntries> {
  const identity = await issueTeleportIdentity(context, {
    commonName: output.username ?? 'tbot',
    subject: [['OU', output.service]],
    roles: output.roles,
    disallowReissue: true,
    uris: [databaseRouteUri(output)],
  });
  return [...identityArtifacts(identity, context), ...formatFiles(output.format, identity)];
}
