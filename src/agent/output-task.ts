/** The unit of work the agent schedules: one renewal of one output. */
import type { Lifetime, OutputKind } from '../config/types.js';

export interface RenewalContext {
  /** When the renewal started; the same instant is recorded in everything it writes. */
  now: Date;
  /** Aborted when the agent is asked to stop; a renewal stops before its swap, never mid-file. */
  signal: AbortSignal;
}

export interface Renewal {
  /** When the credentials this renewal issued stop being valid. */
  expiresAt: Date;
}

export interface OutputTask {
  /** The output's unique name (logs, /readyz/<name>, metrics). */
  readonly name: string;
  readonly kind: OutputKind;
  readonly lifetime: Lifetime;
  /** Renews the output's files. Undefined when the stop signal came first and nothing was swapped in. */
  renew(context: RenewalContext): Promise<Renewal | undefined>;
}
