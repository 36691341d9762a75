/**
 * The first real RenewalCycle: it prepares every destination (0700 directory) and records, in an
 * atomic tbot-status.json, which output kind lives there and when it was last renewed. It issues no
 * credentials; that is the credential-source work, which plugs in behind the same interface.
 */
import type { BotConfig, OutputConfig } from '../config/types.js';
import type { CycleContext, CycleReport, OutputReport, RenewalCycle } from '../agent/renewal-cycle.js';
import { openDestination, type DestinationWriter } from './destination.js';

export const STATUS_FILE = 'tbot-status.json';

export interface StatusRecord {
  kind: OutputConfig['type'];
  renewed_at: string;
  credential_ttl_seconds: number;
  agent_version: string;
}

export class StatusFileCycle implements RenewalCycle {
  private readonly storage: DestinationWriter;
  private readonly outputs: readonly { config: OutputConfig; destination: DestinationWriter }[];

  constructor(
    private readonly config: BotConfig,
    private readonly version: string,
  ) {
    this.storage = openDestination(config.storage);
    // Destinations are opened once so memory destinations keep their contents across cycles.
    this.outputs = config.outputs.map((output) => ({ config: output, destination: openDestination(output.destination) }));
  }

  async renew(context: CycleContext): Promise<CycleReport> {
    await this.storage.prepare();
    const done: OutputReport[] = [];
    for (const { config, destination } of this.outputs) {
      if (context.signal.aborted) return { outputs: done, interrupted: true };
      await destination.prepare();
      const record: StatusRecord = {
        kind: config.type,
        renewed_at: context.now.toISOString(),
        credential_ttl_seconds: Math.round(this.config.credentialTtlMs / 1000),
        agent_version: this.version,
      };
      await destination.write(STATUS_FILE, `${JSON.stringify(record, null, 2)}\n`);
      done.push({ kind: config.type, destination: destination.label });
    }
    return { outputs: done, interrupted: false };
  }
}
