/**
 * One output's renewal: fresh key pairs and certificates valid for the output's credential_ttl,
 * rendered into its files and swapped into its destination as one set, with a tbot-status.json
 * recording what was issued, until when, and on what schedule.
 */
import type { OutputTask, Renewal, RenewalContext } from '../agent/output-task.js';
import type { CredentialSource } from '../ca/credential-source.js';
import { formatDuration } from '../config/duration.js';
import type { BotConfig, Lifetime, OutputConfig, OutputKind } from '../config/types.js';
import { RenewalError, TbotError } from '../errors.js';
import { openDestination, type DestinationWriter } from './destination.js';
import { localClusterName } from './kinds/cluster-name.js';
import type { FileEntries, RenderContext } from './kinds/render-context.js';
import { renderOutput } from './render-output.js';

export const STATUS_FILE = 'tbot-status.json';
/** Certificates start a minute early so a peer whose clock lags a little still accepts them. */
const CLOCK_SKEW_MS = 60_000;
/** How many of this process's renewal times tbot-status.json lists. */
export const RECENT_RENEWALS = 5;

export interface StatusRecord {
  kind: OutputKind;
  name: string;
  renewed_at: string;
  not_before: string;
  expires_at: string;
  issuer: string;
  agent_version: string;
  /** The output's effective lifetime: its own pair, or the top-level one. */
  schedule: { credential_ttl: string; renewal_interval: string; credential_ttl_ms: number; renewal_interval_ms: number };
  /** Renewals by this process: how many, and the latest few (oldest first, the last is renewed_at). */
  renewals: { count: number; recent: string[] };
}

export interface RenewerDeps {
  agentVersion: string;
  /** The credential source, shared by every output (see sharedSource). */
  source: (now: Date) => Promise<CredentialSource>;
  /** A fresh unique id (JWT ids). */
  newId: () => string;
  /** The address outputs name (kubeconfig server, trust domain): proxy_server, else auth_server. */
  address?: string;
  /** The command line that runs this tbot, for kubeconfigs that call `tbot kube credentials`. */
  self?: readonly string[];
}

/** Opens the source once for all outputs; a failed open is retried by the next renewal that needs it. */
export function sharedSource(open: (now: Date) => Promise<CredentialSource>): (now: Date) => Promise<CredentialSource> {
  let pending: Promise<CredentialSource> | undefined;
  return (now) => {
    pending ??= open(now).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

export class OutputRenewer implements OutputTask {
  readonly name: string;
  readonly kind: OutputKind;
  readonly lifetime: Lifetime;
  private count = 0;
  private readonly recent: string[] = [];

  constructor(
    private readonly output: OutputConfig,
    private readonly deps: RenewerDeps,
    /** Opened once so a memory destination keeps its contents across renewals. */
    readonly destination: DestinationWriter = openDestination(output.destination),
  ) {
    this.name = output.name;
    this.kind = output.type;
    this.lifetime = output.lifetime;
  }

  async renew({ now, signal }: RenewalContext): Promise<Renewal | undefined> {
    const source = await this.deps.source(now);
    const notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
    const notAfter = new Date(now.getTime() + this.lifetime.credentialTtlMs);
    const files = await this.render(source, now, notBefore, notAfter);
    if (signal.aborted) return undefined;
    const recent = [...this.recent, now.toISOString()].slice(-RECENT_RENEWALS);
    const status: StatusRecord = {
      kind: this.kind,
      name: this.name,
      renewed_at: now.toISOString(),
      not_before: notBefore.toISOString(),
      expires_at: notAfter.toISOString(),
      issuer: source.description,
      agent_version: this.deps.agentVersion,
      schedule: {
        credential_ttl: formatDuration(this.lifetime.credentialTtlMs),
        renewal_interval: formatDuration(this.lifetime.renewalIntervalMs),
        credential_ttl_ms: this.lifetime.credentialTtlMs,
        renewal_interval_ms: this.lifetime.renewalIntervalMs,
      },
      renewals: { count: this.count + 1, recent },
    };
    files.push([STATUS_FILE, `${JSON.stringify(status, null, 2)}\n`]);
    await this.destination.replaceFiles(new Map(files), now);
    // Counted only once the set is in place: a failed swap is not a renewal.
    this.count += 1;
    this.recent.splice(0, this.recent.length, ...recent);
    return { expiresAt: notAfter };
  }

  private async render(source: CredentialSource, issuedAt: Date, notBefore: Date, notAfter: Date): Promise<FileEntries> {
    const context: RenderContext = {
      source,
      issuedAt,
      notBefore,
      notAfter,
      clusterName: localClusterName(this.deps.address),
      newId: this.deps.newId,
      ...(this.destination.directory === undefined ? {} : { directory: this.destination.directory }),
      ...(this.deps.address === undefined ? {} : { proxyServer: this.deps.address }),
      ...(this.deps.self === undefined ? {} : { self: this.deps.self }),
    };
    let files: FileEntries;
    try {
      files = await renderOutput(this.output, context);
    } catch (error) {
      if (error instanceof TbotError) throw error;
      throw new RenewalError(this.name, `cannot issue credentials: ${(error as Error).message}`, { cause: error });
    }
    checkFileNames(this.name, files);
    return files;
  }
}

/**
 * Names come partly from the config (a JWT's file_name): one may not shadow another file of the
 * set, nor take the names the atomic writer keeps for itself (`..data`, `..<generation>`).
 */
function checkFileNames(output: string, files: FileEntries): void {
  const seen = new Set<string>([STATUS_FILE]);
  for (const [name] of files) {
    if (name.startsWith('..'))
      throw new RenewalError(output, `the file name ${JSON.stringify(name)} starts with "..", which the destination reserves for itself; choose another file_name`);
    if (seen.has(name)) throw new RenewalError(output, `two files would be named ${JSON.stringify(name)}; choose a file_name that no other file of this output uses`);
    seen.add(name);
  }
}

export function createOutputRenewers(config: BotConfig, deps: Omit<RenewerDeps, 'address'>): OutputRenewer[] {
  const address = config.proxyServer ?? config.authServer;
  return config.outputs.map((output) => new OutputRenewer(output, { ...deps, ...(address === undefined ? {} : { address }) }));
}
