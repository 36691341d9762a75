/**
 * What the agent knows about each output's renewals, kept in one place for the diagnostics
 * listener (/readyz, /metrics). An output is `initializing` until its first renewal, `healthy`
 * after a successful one and `unhealthy` after a failed one, as in tbot's service health.
 */
import type { OutputKind } from '../config/types.js';

export type OutputState = 'initializing' | 'healthy' | 'unhealthy';

export interface OutputStatus {
  readonly name: string;
  readonly kind: OutputKind;
  state: OutputState;
  /** Why the output is unhealthy. */
  reason?: string;
  /** When the state last changed (undefined while initializing). */
  updatedAt?: Date;
  renewals: number;
  failures: number;
  /** When the credentials now in place stop being valid. */
  expiresAt?: Date;
}

export class OutputStatusBoard {
  private readonly byName = new Map<string, OutputStatus>();

  constructor(outputs: readonly { name: string; kind: OutputKind }[]) {
    for (const { name, kind } of outputs) this.byName.set(name, { name, kind, state: 'initializing', renewals: 0, failures: 0 });
  }

  renewed(name: string, at: Date, expiresAt: Date): void {
    const status = this.require(name);
    status.state = 'healthy';
    delete status.reason;
    status.updatedAt = at;
    status.renewals += 1;
    status.expiresAt = expiresAt;
  }

  failed(name: string, at: Date, reason: string): void {
    const status = this.require(name);
    status.state = 'unhealthy';
    status.reason = reason;
    status.updatedAt = at;
    status.failures += 1;
  }

  get(name: string): Readonly<OutputStatus> | undefined {
    return this.byName.get(name);
  }

  list(): readonly Readonly<OutputStatus>[] {
    return [...this.byName.values()];
  }

  private require(name: string): OutputStatus {
    const status = this.byName.get(name);
    if (status === undefined) throw new RangeError(`no output named ${JSON.stringify(name)}`);
    return status;
  }
}
