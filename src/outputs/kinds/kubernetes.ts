/** kubernetes: a kubeconfig.yaml for one cluster, with the client certificate, key and CA embedded. */
import { stringify } from 'yaml';
import type { OutputConfig } from '../../config/types.js';
import { issueTlsBundle, type FileEntries, type RenderContext } from './render-context.js';

type KubernetesOutput = Extract<OutputConfig, { type: 'kubernetes' }>;

/** Teleport's Kubernetes proxy port, used when no proxy_server is configured. */
export const DEFAULT_KUBE_SERVER = 'https://localhost:3026';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

export async function renderKubernetes(output: KubernetesOutput, context: RenderContext): Promise<FileEntries> {
  const cluster = output.kubernetesCluster;
  const bundle = await issueTlsBundle(context, { subject: [['CN', 'tbot']], uris: [`k8s://${encodeURIComponent(cluster)}`], usage: 'client' });
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: context.proxyServer === undefined ? DEFAULT_KUBE_SERVER : `https://${context.proxyServer}`, 'certificate-authority-data': base64(bundle.caPem) } }],
    users: [{ name: `tbot@${cluster}`, user: { 'client-certificate-data': base64(bundle.certPem), 'client-key-data': base64(bundle.keyPem) } }],
    contexts: [{ name: cluster, context: { cluster, user: `tbot@${cluster}` } }],
    'current-context': cluster,
  };
  return [['kubeconfig.yaml', stringify(kubeconfig)]];
}
