/**
 * workload-identity-x509 and workload-identity-jwt, issued by the local CA. In Teleport a name
 * selector picks a WorkloadIdentity resource that holds the SPIFFE ID; without a cluster there is no
 * such resource, so the ID is derived from the name: spiffe://<trust domain>/workload-identity/<name>.
 */
import type { WorkloadIdentityJwtOutput, WorkloadIdentityX509Output } from '../../config/types.js';
import type { FileEntries, RenderContext } from './render-context.js';
import { jwksFile, jwtSvid, spiffeId, x509SvidFiles } from './spiffe-svid.js';

export const WORKLOAD_IDENTITY_PATH_PREFIX = '/workload-identity/';
/** The file tbot writes the JWT-SVID to. */
export const JWT_SVID_FILE = 'jwt_svid';

export function workloadIdentityId(context: RenderContext, name: string): string {
  return spiffeId(context, `${WORKLOAD_IDENTITY_PATH_PREFIX}${name}`);
}

export function renderWorkloadIdentityX509(output: WorkloadIdentityX509Output, context: RenderContext): Promise<FileEntries> {
  return x509SvidFiles(context, workloadIdentityId(context, output.selector.name));
}

export async function renderWorkloadIdentityJwt(output: WorkloadIdentityJwtOutput, context: RenderContext): Promise<FileEntries> {
  return [[JWT_SVID_FILE, jwtSvid(context, workloadIdentityId(context, output.selector.name), output.audiences)], ...jwksFile(context)];
}
