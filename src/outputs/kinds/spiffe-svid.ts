/** spiffe-svid: an X.509 SVID whose only identity is the URI SAN spiffe://<trust domain><path>. */
import type { OutputConfig } from '../../config/types.js';
import { issueTlsBundle, type FileEntries, type RenderContext } from './render-context.js';

type SpiffeOutput = Extract<OutputConfig, { type: 'spiffe-svid' }>;

export const DEFAULT_TRUST_DOMAIN = 'tbot.local';

/** The trust domain is the proxy's host name, as in Teleport, or tbot.local without one. */
export function trustDomain(proxyServer: string | undefined): string {
  if (proxyServer === undefined) return DEFAULT_TRUST_DOMAIN;
  const host = proxyServer.replace(/:\d+$/, '').toLowerCase();
  return /^[a-z0-9.-]+$/.test(host) ? host : DEFAULT_TRUST_DOMAIN;
}

export async function renderSpiffeSvid(output: SpiffeOutput, context: RenderContext): Promise<FileEntries> {
  const path = output.svid.path.split('/').map(encodeURIComponent).join('/');
  const bundle = await issueTlsBundle(context, { subject: [], uris: [`spiffe://${trustDomain(context.proxyServer)}${path}`], usage: 'client-and-server' });
  return [
    ['svid.pem', bundle.certPem],
    ['svid_key.pem', bundle.keyPem],
    ['svid_bundle.pem', bundle.caPem],
  ];
}
