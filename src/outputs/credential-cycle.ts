/**
 * The renewal cycle: for every output, fresh key pairs and certificates valid for credential_ttl,
 * rendered into that output's files and swapped into its destination as one set, with a
 * tbot-status.json recording what was issued and until when.
 */
import type { RenewalCycle, CycleContext, CycleReport, OutputReport } from '../agent/renewal-cycle.js';
import type { CredentialSource } from '../ca/credential-source.js';
import type { BotConfig, OutputConfig } from '../config/types.js';
import { RenewalError, TbotError } from '../errors.js';
import { openDestination, type DestinationWriter } from './destination.js';
import { renderApplication } from './kinds/application.js';
import { renderDatabase } from './kinds/database.js';
import { renderIdentity } from './kinds/identity.js';
import { renderKubernetes } from './kinds/kubernetes.js';
import type { FileEntries, RenderContext } from './kinds/render-context.js';
import { renderSpiffeSvid } from './kinds/spiffe-svid.js';
import { renderSshHost } from './kinds/ssh-host.js';

export const STATUS_FILE = 'tbot-status.json';
/** Certificates start a minute early so a peer whose clock lags a little still accepts them. */
const CLOCK_SKEW_MS = 60_000;

export interface StatusRecord {
  kind: OutputConfig['type'];
  renewed_at: string;
  not_before: string;
  expires_at: string;
  issuer: string;
  agent_version: string;
}

function render(output: OutputConfig, context: RenderContext): Promise<FileEntries> {
  switch (output.type) {
    case 'identity':
      return renderIdentity(context);
    case 'database':
      return renderDatabase(output, context);
    case 'kubernetes':
      return renderKubernetes(output, context);
    case 'application':
      return renderApplication(output, context);
    case 'ssh_host':
      return renderSshHost(output, context);
    case 'spiffe-svid':
      return renderSpiffeSvid(output, context);
    default:
      // Kinds added by issue 7 (kubernetes/v2, workload-identity-*) are rendered by the outputs branch.
      return Promise.reject(new RenewalError(`${output.type} output`, 'this build cannot render this output kind yet'));
  }
}

export class CredentialCycle implements RenewalCycle {
  private readonly outputs: readonly { config: OutputConfig; destination: DestinationWriter }[];
  private source: CredentialSource | undefined;

  constructor(
    private readonly config: BotConfig,
    private readonly version: string,
    /** Opened on the first cycle, so a failure there is retried like any renewal failure. */
    private readonly openSource: (now: Date) => Promise<CredentialSource>,
  ) {
    // Opened once so memory destinations keep their contents across cycles.
    this.outputs = config.outputs.map((output) => ({ config: output, destination: openDestination(output.destination) }));
  }

  async renew(cycle: CycleContext): Promise<CycleReport> {
    this.source ??= await this.openSource(cycle.now);
    const source = this.source;
    const notBefore = new Date(cycle.now.getTime() - CLOCK_SKEW_MS);
    const notAfter = new Date(cycle.now.getTime() + this.config.credentialTtlMs);
    // Outputs are independent, so they renew side by side: key generation and signing run on
    // libuv's thread pool and the fsyncs overlap. Each destination is still swapped in whole.
    const results = await Promise.allSettled(
      this.outputs.map(async ({ config, destination }): Promise<OutputReport | undefined> => {
        const files = await this.renderOutput(config, destination, source, notBefore, notAfter);
        if (cycle.signal.aborted) return undefined;
        const status: StatusRecord = {
          kind: config.type,
          renewed_at: cycle.now.toISOString(),
          not_before: notBefore.toISOString(),
          expires_at: notAfter.toISOString(),
          issuer: source.description,
          agent_version: this.version,
        };
        files.push([STATUS_FILE, `${JSON.stringify(status, null, 2)}\n`]);
        await destination.replaceFiles(new Map(files), cycle.now);
        return { kind: config.type, destination: destination.label };
      }),
    );
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    const done = results.flatMap((result) => (result.status === 'fulfilled' && result.value !== undefined ? [result.value] : []));
    return { outputs: done, interrupted: done.length < this.outputs.length, expiresAt: notAfter };
  }

  private async renderOutput(config: OutputConfig, destination: DestinationWriter, source: CredentialSource, notBefore: Date, notAfter: Date): Promise<FileEntries> {
    const context: RenderContext = {
      source,
      notBefore,
      notAfter,
      ...(destination.directory === undefined ? {} : { directory: destination.directory }),
      ...(this.config.proxyServer === undefined ? {} : { proxyServer: this.config.proxyServer }),
    };
    try {
      return await render(config, context);
    } catch (error) {
      if (error instanceof TbotError) throw error;
      throw new RenewalError(`${config.type} output (${destination.label})`, `cannot issue credentials: ${(error as Error).message}`, { cause: error });
    }
  }
}
