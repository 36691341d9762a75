/**
 * kubernetes: a kubeconfig.yaml for one cluster, with the client certificate, key and CA embedded,
 * beside the identity artifacts. tbot would point the user at an exec plugin (`tbot kube
 * credentials`) unless `disable_exec_plugin` is set; this agent has no such command, so its
 * kubeconfig always embeds the credentials, which is tbot's `disable_exec_plugin: true` form.
 */
import { stringify } from 'yaml';
import type { KubernetesOutput } from '../../config/types.js';
import type { FileEntries, RenderContext } from './render-context.js';
import { identityArtifacts, issueTeleportIdentity } from './teleport-identity.js';

/** Teleport's Kubernetes proxy port, used when no proxy_server is configured. */
export const DEFAULT_KUBE_SERVER = 'https://localhost:3026';

export const base64 = (text: string): string => Buffer.from(text).toString('base64');

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
    users: [{ name: `tbot@${cluster}`, user: { 'client-certificate-data': base64(identity.tlsCertPem), 'client-key-data': base64(identity.keyPem) } }],
    contexts: [{ name: cluster, context: { cluster, user: `tbot@${cluster}` } }],
    'current-context': cluster,
  };
  return [...identityArtifacts(identity, context), ['kubeconfig.yaml', stringify(kubeconfig)]];
}
