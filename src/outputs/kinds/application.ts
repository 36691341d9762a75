/** application: a client certificate for one app, named by a URI SAN `app://<app_name>`. */
import type { OutputConfig } from '../../config/types.js';
import { issueTlsBundle, tlsFiles, type FileEntries, type RenderContext } from './render-context.js';

type ApplicationOutput = Extract<OutputConfig, { type: 'application' }>;

export async function renderApplication(output: ApplicationOutput, context: RenderContext): Promise<FileEntries> {
  const bundle = await issueTlsBundle(context, { subject: [['CN', 'tbot']], uris: [`app://${encodeURIComponent(output.appName)}`], usage: 'client' });
  return tlsFiles(bundle);
}
