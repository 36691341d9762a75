/** The unit of work the agent repeats: one renewal of every output. */

export interface CycleContext {
  /** The cycle's start time; the same instant is recorded in everything it writes. */
  now: Date;
  /** Aborted when the agent is asked to stop; a cycle stops between outputs, never mid-file. */
  signal: AbortSignal;
}

export interface OutputReport {
  kind: string;
  destination: string;
}

export interface CycleReport {
  outputs: readonly OutputReport[];
  /** True when the stop signal cut the cycle short; the outputs listed were completed. */
  interrupted: boolean;
  /** When the credentials this cycle issued stop being valid. */
  expiresAt: Date;
}

export interface RenewalCycle {
  renew(context: CycleContext): Promise<CycleReport>;
}
