/**
 * The collector's upkeep of its data directory, on start and then every UPKEEP_INTERVAL_MS: seal
 * the segments of days that are over (store/seal.ts), then, with --retain, drop what is past the
 * cutoff (retention.ts). One pass at a time; close() stops a seal under way (its temporary file
 * is removed) and waits for the pass to end.
 */
import type { Logger } from '../log/logger.js';
import { realTimers, type CancelTimer, type TimerHost } from '../time/timer.js';
import { applyRetention, retentionCutoff, type RetentionTarget } from './store/retention.js';
import { firstOpenDay, SEAL_GRACE_MS, sealBefore } from './store/seal.js';

/** Often enough that a day is sealed within minutes of its grace ending; a pass with nothing to do is one readdir. */
export const UPKEEP_INTERVAL_MS = 10 * 60_000;

export interface UpkeepOptions {
  dataDir: string;
  /** The writer, which must stop appending to a day before it is sealed. */
  store: { closeDaysBefore(day: string): Promise<void> };
  /** Days to keep, and what to drop from; absent keeps everything. */
  retention?: { days: number; targets: readonly RetentionTarget[] };
  logger: Logger;
  now: () => Date;
  timers?: TimerHost;
  intervalMs?: number;
  sealGraceMs?: number;
}

export class Upkeep {
  private readonly timers: TimerHost;
  private readonly stop = new AbortController();
  private cancelTimer: CancelTimer | undefined;
  private pass: Promise<void> | undefined;

  constructor(private readonly options: UpkeepOptions) {
    this.timers = options.timers ?? realTimers;
  }

  /** Runs a pass now, and then one every interval until close(). */
  start(): void {
    this.pass = this.runOnce().finally(() => this.schedule());
  }

  /** One pass: seal what is due, then apply retention. Logs its failures; never rejects. */
  async runOnce(): Promise<void> {
    const { logger, dataDir } = this.options;
    const now = this.options.now();
    const openDay = firstOpenDay(now, this.options.sealGraceMs ?? SEAL_GRACE_MS);
    try {
      await this.options.store.closeDaysBefore(openDay);
      const run = await sealBefore(dataDir, openDay, now, { signal: this.stop.signal });
      for (const name of run.removedTemps) logger.info('removed a temporary file left by an interrupted seal', { file: name });
      for (const sealed of run.sealed) {
        logger.info('sealed a segment', { segment: sealed.segment, bytes: sealed.bytes, gzip_bytes: sealed.sealedBytes });
        if (sealed.cut > 0) logger.warn('left a torn last line out of a sealed segment', { segment: sealed.segment, bytes: sealed.cut });
      }
      for (const { segment, error } of run.failed)
        logger.warn('could not seal a segment; will try again', { segment, error: (error as NodeJS.ErrnoException).code ?? error.message });
    } catch (error) {
      if (this.stop.signal.aborted) return;
      logger.error('sealing failed; will try again', { error: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
    }
    const retention = this.options.retention;
    if (retention !== undefined && !this.stop.signal.aborted) await applyRetention(retention.targets, retentionCutoff(now, retention.days), logger);
  }

  private schedule(): void {
    if (this.stop.signal.aborted) return;
    // The process may exit while waiting: the next pass is not a reason to stay up.
    this.cancelTimer = this.timers.setTimer(
      () => {
        this.pass = this.runOnce().finally(() => this.schedule());
      },
      this.options.intervalMs ?? UPKEEP_INTERVAL_MS,
      false,
    );
  }

  async close(): Promise<void> {
    this.stop.abort();
    this.cancelTimer?.();
    await this.pass;
  }
}
