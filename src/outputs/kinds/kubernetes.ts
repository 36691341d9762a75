/**
 * kubernetes: a kubeconfig.yaml for one cluster beside the identity artifacts. Its user calls the
 * exec plugin `tbot kube credentials --destination-dir=DIR` as Go tbot's does (kube-exec.ts), or,
 * with `disable_exec_plugin: true` (or a destination that is not a directory, which no plugin could
 * read), embeds the client certificate and key.
 */
import { stringify } from 'yaml';
import type { KubernetesOutput } from '../../config/types.js';
import type { FileEntries, RenderContext } from './render-context.js';
import { execUser } from './kube-exec.js';
import { identityArtifacts, issueTeleportIdentity } from './teleport-identity.js';

/** Teleport's Kubernetes proxy port, used when no proxy_server is configured. */
export const DEFAULT_KUBE_SERVER = 'https://localhost:3026';

export const base64 = (text: string): string => Buffer.from(text).toString('base64');

/** The kubeconfig user: the exec plugin where one can run, else the embedded certificate and key. */
export function kubeUser(disableExecPlugin: boolean, context: RenderContext, identity: { tlsCertPem: string; keyPem: string }): Record<string, unknown> {
  if (!disableExecPlugin && context.directory !== undefined && context.self !== undefined) return execUser(context.self, context.directory);
  return { 'client-certificate-data': base64(identity.tlsCertPem), 'client-key-data': base64(identity.keyPem) };
}

export async function renderKubernetes(output: KubernetesOutput, context: RenderContext): Promise<FileEntries> {
  const cluster = output.kubernetesCluster;
  const identity = await issueTeleportIdentity(context, { roles: output.roles, disallowReissue: true, uris: [`k8s://${encodeURIComponent(cluster)}`] });
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster,
        cluster: { server: context.proxyServer === undefined ? DEFAULT_KUBE_SERVER : `https://${context.proxyServer}`, 'certificate-authority-data': base64(identity.caPem) },
      },
    ],
    users: [{ name: `tbot@${cluster}`, user: kubeUser(output.disableExecPlugin, context, identity) }],
    contexts: [{ name: cluster, context: { cluster, user: `tbot@${cluster}` } }],
    'current-context': cluster,
  };
  return [...identityArtifacts(identity, context), ['kubeconfig.yaml', stringify(kubeconfig)]];
}
