/**
 * spiffe-svid: an X.509 SVID whose identity is the URI SAN spiffe://<trust domain><path>, with the
 * configured DNS and IP SANs, and one JWT-SVID per `jwts` entry. `hint` is for Workload API
 * clients and is not written into anything.
 */
import type { SpiffeSvidOutput } from '../../config/types.js';
import { jwksDocument, JWKS_FILE, signJwtSvid } from './jwt-svid.js';
import { issueTlsBundle, type FileEntries, type RenderContext } from './render-context.js';

/** SPIFFE ID for a path: each segment percent-encoded, so a path can only ever be a path. */
export function spiffeId(context: RenderContext, path: string): string {
  return `spiffe://${context.clusterName}${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** The X.509-SVID's three files, under the names spiffe-helper and tbot use. */
export async function x509SvidFiles(context: RenderContext, id: string, dnsSans: readonly string[] = [], ipSans: readonly string[] = []): Promise<FileEntries> {
  const bundle = await issueTlsBundle(context, { subject: [], dnsNames: dnsSans, ipAddresses: ipSans, uris: [id], usage: 'client-and-server' });
  return [
    ['svid.pem', bundle.certPem],
    ['svid_key.pem', bundle.keyPem],
    ['svid_bundle.pem', bundle.caPem],
  ];
}

export function jwtSvid(context: RenderContext, id: string, audiences: readonly string[]): string {
  const signer = context.source.jwtSigner();
  return signJwtSvid(signer, {
    spiffeId: id,
    audiences,
    issuer: `https://${context.clusterName}`,
    issuedAt: context.issuedAt,
    expiresAt: context.notAfter,
    jwtId: context.newId(),
  });
}

export function jwksFile(context: RenderContext): FileEntries {
  return [[JWKS_FILE, jwksDocument(context.source.jwtSigner())]];
}

export async function renderSpiffeSvid(output: SpiffeSvidOutput, context: RenderContext): Promise<FileEntries> {
  const id = spiffeId(context, output.svid.path);
  const files = await x509SvidFiles(context, id, output.svid.dnsSans, output.svid.ipSans);
  for (const jwt of output.jwts) files.push([jwt.fileName, jwtSvid(context, id, [jwt.audience])]);
  if (output.jwts.length > 0) files.push(...jwksFile(context));
  return files;
}
