/** Which renderer writes which output kind. */
import type { OutputConfig } from '../config/types.js';
import { renderApplication } from './kinds/application.js';
import { renderDatabase } from './kinds/database.js';
import { renderIdentity } from './kinds/identity.js';
import { renderKubernetesV2 } from './kinds/kubernetes-v2.js';
import { renderKubernetes } from './kinds/kubernetes.js';
import type { FileEntries, RenderContext } from './kinds/render-context.js';
import { renderSpiffeSvid } from './kinds/spiffe-svid.js';
import { renderSshHost } from './kinds/ssh-host.js';
import { renderWorkloadIdentityJwt, renderWorkloadIdentityX509 } from './kinds/workload-identity.js';

export function renderOutput(output: OutputConfig, context: RenderContext): Promise<FileEntries> {
  switch (output.type) {
    case 'identity':
      return renderIdentity(output, context);
    case 'database':
      return renderDatabase(output, context);
    case 'kubernetes':
      return renderKubernetes(output, context);
    case 'kubernetes/v2':
      return renderKubernetesV2(output, context);
    case 'application':
      return renderApplication(output, context);
    case 'ssh_host':
      return renderSshHost(output, context);
    case 'spiffe-svid':
      return renderSpiffeSvid(output, context);
    case 'workload-identity-x509':
      return renderWorkloadIdentityX509(output, context);
    case 'workload-identity-jwt':
      return renderWorkloadIdentityJwt(output, context);
  }
}
