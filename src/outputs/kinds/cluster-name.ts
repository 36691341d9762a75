/**
 * The local stand-in for a Teleport cluster name: the host part of proxy_server (or auth_server),
 * else tbot.local. It names the SPIFFE trust domain, the identity file's known-hosts entry and the
 * kubernetes/v2 contexts, where Teleport would use its cluster's name.
 */
export const DEFAULT_CLUSTER_NAME = 'tbot.local';

export function localClusterName(address: string | undefined): string {
  if (address === undefined) return DEFAULT_CLUSTER_NAME;
  const host = address.replace(/:\d+$/, '').toLowerCase();
  return /^[a-z0-9.-]+$/.test(host) ? host : DEFAULT_CLUSTER_NAME;
}
