/**
 * kubernetes/v2: one kubeconfig.yaml with a cluster and a context per selected Kubernetes cluster,
 * in the shape tbot writes: each named `<cluster name>-<kube cluster>`, its server the proxy's
 * address with the route `/v1/teleport/<base64url cluster name>/<base64url kube cluster>`, SNI
 * `kube-teleport-proxy-alpn.<proxy host>`, a context namespace where the selector sets
 * default_namespace, and one user (named after the cluster) shared by every context. The user
 * calls `tbot kube credentials` unless `disable_exec_plugin: true` (see kubeUser).
 */
import { stringify } from 'yaml';
import type { KubernetesV2Output } from '../../config/types.js';
import { base64, DEFAULT_KUBE_SERVER, kubeUser } from './kubernetes.js';
import type { FileEntries, RenderContext } from './render-context.js';
import { identityFile, issueTeleportIdentity, teleportCaFiles } from './teleport-identity.js';

const base64Url = (text: string): string => Buffer.from(text).toString('base64url');

export async function renderKubernetesV2(output: KubernetesV2Output, context: RenderContext): Promise<FileEntries> {
  const teleportCluster = context.clusterName;
  const names = output.selectors.map((selector) => selector.name);
  const identity = await issueTeleportIdentity(context, { roles: output.roles, disallowReissue: true, uris: names.map((name) => `k8s://${encodeURIComponent(name)}`) });
  const server = context.proxyServer === undefined ? DEFAULT_KUBE_SERVER : `https://${context.proxyServer}`;
  const proxyHost = new URL(server).hostname;
  const caData = base64(identity.caPem);
  const entry = (kube: string): string => `${teleportCluster}-${kube}`;
  const kubeconfig = {
    apiVersion: 'v1',
    clusters: names.map((kube) => ({
      cluster: {
        'certificate-authority-data': caData,
        server: `${server}/v1/teleport/${base64Url(teleportCluster)}/${base64Url(kube)}`,
        'tls-server-name': `kube-teleport-proxy-alpn.${proxyHost}`,
      },
      name: entry(kube),
    })),
    contexts: output.selectors.map((selector) => ({
      context: { cluster: entry(selector.name), ...(selector.defaultNamespace === undefined ? {} : { namespace: selector.defaultNamespace }), user: teleportCluster },
      name: entry(selector.name),
    })),
    'current-context': entry(names[0] ?? ''),
    kind: 'Config',
    users: [{ name: teleportCluster, user: kubeUser(output.disableExecPlugin, context, identity) }],
  };
  return [['kubeconfig.yaml', stringify(kubeconfig)], ['identity', identityFile(identity, context)], ...teleportCaFiles(identity.caPem, ['host'])];
}
