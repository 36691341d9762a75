/**
 * database: a client certificate a database proxy can route and authorize. The subject CN is the
 * database user (what PostgreSQL's `clientcert=verify-full` and MySQL's REQUIRE SUBJECT check),
 * and a URI SAN `db://<service>/<database>` names the route.
 */
import type { OutputConfig } from '../../config/types.js';
import { issueTlsBundle, tlsFiles, type FileEntries, type RenderContext } from './render-context.js';

type DatabaseOutput = Extract<OutputConfig, { type: 'database' }>;

export function databaseRouteUri(output: DatabaseOutput): string {
  return `db://${encodeURIComponent(output.service)}/${output.database === undefined ? '' : encodeURIComponent(output.database)}`;
}

export async function renderDatabase(output: DatabaseOutput, context: RenderContext): Promise<FileEntries> {
  const bundle = await issueTlsBundle(context, { subject: [['CN', output.username ?? 'tbot'], ['OU', output.service]], uris: [databaseRouteUri(output)], usage: 'client' });
  return tlsFiles(bundle);
}
