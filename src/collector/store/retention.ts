/**
 * `--retain DAYS`: what the collector keeps, and for how long. Each kind of storage is a target
 * that drops what lies wholly before a cutoff and says what it dropped: the local segments
 * (store/segment-retention.ts) today, a shared store's monthly partitions beside it later. A target
 * that fails is logged and tried again on the next run; it never stops the others.
 */
import type { Logger } from '../../log/logger.js';

export interface RetentionTarget {
  /** Named in the log, e.g. "local segments". */
  name: string;
  /** Drops what lies entirely before `cutoff`; resolves with the names of what it dropped. */
  dropBefore(cutoff: Date): Promise<string[]>;
}

const DAY_MS = 86_400_000;
/** A century: the flag's upper bound, so the cutoff stays a real date. */
export const MAX_RETAIN_DAYS = 36_500;

/** The instant before which data is dropped when `days` days are kept. */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/** Runs every target once against the same cutoff; resolves with what each dropped, by target name. */
export async function applyRetention(targets: readonly RetentionTarget[], cutoff: Date, logger: Logger): Promise<Map<string, string[]>> {
  const dropped = new Map<string, string[]>();
  for (const target of targets) {
    try {
      const names = await target.dropBefore(cutoff);
      dropped.set(target.name, names);
      if (names.length > 0) logger.info('retention deleted', { target: target.name, before: cutoff.toISOString(), count: names.length, deleted: names.join(' ') });
    } catch (error) {
      logger.error('retention failed; will try again on the next run', { target: target.name, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
    }
  }
  return dropped;
}
