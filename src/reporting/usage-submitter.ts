/**
 * The usage-report submitter of an auth-server-like process: record() counts events into the
 * open windows (usage-aggregator.ts); a closed window becomes reports (usage-report-build.ts)
 * that are spooled to disk first (usage-spool.ts); a send loop takes them from the spool, at most
 * 10 per SubmitUsageReports call, and removes them only after the collector's 200.
 *
 * As Teleport's submitter: windows are checked every minute, reports go every 5 minutes (user
 * activity first, then resources, then bot instances, oldest first), and a report is kept for 60
 * days. Ours differs where a spool allows better: after a success it goes on at once while
 * reports remain (a backlog drains in one go), and after a failure it retries with a doubling
 * delay (1 s up to the send interval) instead of waiting a whole interval.
 *
 * Side effects come in: the wall clock (window times), timers (src/time/timer.ts), randomUUID,
 * the spool directory and the transport. Nothing here throws after creation; problems are counted
 * in stats() and logged.
 */
import { randomUUID as cryptoRandomUUID } from 'node:crypto';
import { BaseUrlError, parseBaseUrl } from '../net/base-url.js';
import { MAX_REPORTS_PER_CALL, SUBMIT_USAGE_REPORTS_PATH } from '../protocol/usage-wire.js';
import { realTimers, type CancelTimer, type TimerHost } from '../time/timer.js';
import type { Anonymizer } from './anonymizer.js';
import type { LogFields } from './reporter.js';
import { DEFAULT_AGGREGATOR_LIMITS, UsageAggregator, type ClosedWindow, type UsageEvent } from './usage-aggregator.js';
import { buildReports, type UsageReportEntry } from './usage-report-build.js';
import { SpoolFileError } from './usage-spool-check.js';
import { DEFAULT_SPOOL_LIMITS, UsageSpool, type SpoolLimits } from './usage-spool.js';
import type { HttpRequest, Transport } from './transport.js';

export const CHECK_INTERVAL_MS = 60_000;
export const SEND_INTERVAL_MS = 5 * 60_000;
export const RETRY_MIN_MS = 1_000;
/** Teleport gives one call 9/10 of its one-minute lock. */
export const USAGE_REQUEST_TIMEOUT_MS = 54_000;

export interface UsageLogger {
  debug(message: string, fields?: LogFields): void;
  /** Problems an operator should see (a refused spool file, reports given up); debug when absent. */
  warn?(message: string, fields?: LogFields): void;
}

export interface UsageSubmitterOptions {
  /** The collector's base URL; https, since the procedure needs a tenant certificate. */
  endpoint: string;
  /** The cluster's name and this auth server's host id, in clear: they are sent only anonymized. */
  clusterName: string;
  hostId: string;
  /** The cluster's HMAC anonymizer (its key never leaves the cluster). */
  anonymizer: Anonymizer;
  spoolDir: string;
  /** Usually `await mtlsTransport({ caFile, certFile, keyFile })`. */
  transport: Transport;
  /** The wall clock in ms: windows are wall-clock quarters of an hour. */
  now?: () => number;
  randomUUID?: () => string;
  timers?: TimerHost;
  logger?: UsageLogger;
  checkIntervalMs?: number;
  sendIntervalMs?: number;
  requestTimeoutMs?: number;
  spoolLimits?: Partial<SpoolLimits>;
  /** Distinct users, bot instances or resources one window keeps (default 100,000). */
  maxKeysPerWindow?: number;
  /** The largest report (default 128 KiB, the service's limit). */
  maxReportBytes?: number;
  userAgent?: string;
  /** Told of each report once it is spooled (its kind, uuid and window start): for a debug view or a test. */
  onSpooled?: (report: { kind: UsageReportEntry['kind']; uuid: string; start: number }) => void;
}

export interface UsageSubmitterStats {
  /** Events counted, and events dropped because a window was full. */
  recorded: number;
  dropped: number;
  /** Reports made from closed windows and written to the spool. */
  spooled: number;
  /** Reports the collector acknowledged (and that left the spool). */
  sent: number;
  /** Reports waiting in the spool. */
  pending: number;
  /** Calls that failed (refused, unreachable, timed out). */
  failedCalls: number;
  /** Reports given up unsent: the spool's bounds or its 60 days. */
  givenUp: number;
  /** Spool files refused when read back (damaged or foreign): never sent, left in place. */
  refusedFiles: number;
  /** Reports lost before reaching the spool (it could not be written). */
  lost: number;
  /** Entries in the spool directory that are not this spool's: left alone. */
  foreignFiles: number;
}

export interface UsageCloseResult {
  /** True when every report was sent before the deadline. */
  complete: boolean;
  /** Reports left in the spool for the next start. */
  pending: number;
}

export interface UsageSubmitter {
  /** Counts one event at now(); false when refused (closed) or dropped (window full). Never throws, no I/O. */
  record(event: UsageEvent): boolean;
  /** Closes the windows now() has left, spools them, and sends what the spool holds; resolves when that round ends. */
  flush(): Promise<{ sent: number; ok: boolean }>;
  /**
   * Closes every open window (their reports are spooled), then sends until the spool is empty, a
   * call fails, the deadline passes or `signal` aborts. What is not sent stays in the spool.
   */
  close(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<UsageCloseResult>;
  stats(): UsageSubmitterStats;
}

export class UsageSubmitterConfigError extends Error {
  override name = 'UsageSubmitterConfigError';
}

const positive = (name: string, value: number): number => {
  if (!(Number.isInteger(value) && value >= 1)) throw new UsageSubmitterConfigError(`${name}: ${value}; expected a whole number ≥ 1`);
  return value;
};

export async function createUsageSubmitter(options: UsageSubmitterOptions): Promise<UsageSubmitter> {
  let base: string;
  try {
    base = parseBaseUrl(options.endpoint);
  } catch (error) {
    if (error instanceof BaseUrlError) throw new UsageSubmitterConfigError(`endpoint ${JSON.stringify(options.endpoint)}: ${error.message}`);
    throw error;
  }
  if (!base.startsWith('https:')) throw new UsageSubmitterConfigError(`endpoint ${JSON.stringify(options.endpoint)}: SubmitUsageReports needs mutual TLS; use https`);
  if (options.clusterName === '' || options.hostId === '') throw new UsageSubmitterConfigError('clusterName and hostId must not be empty');
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const logger = options.logger ?? { debug: () => undefined };
  const warn = (message: string, fields?: LogFields): void => (logger.warn ?? logger.debug).call(logger, message, fields);
  const checkIntervalMs = positive('checkIntervalMs', options.checkIntervalMs ?? CHECK_INTERVAL_MS);
  const sendIntervalMs = positive('sendIntervalMs', options.sendIntervalMs ?? SEND_INTERVAL_MS);
  const timeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? USAGE_REQUEST_TIMEOUT_MS);
  const limits = { ...DEFAULT_SPOOL_LIMITS, ...options.spoolLimits };
  for (const [name, value] of Object.entries(limits)) positive(`spoolLimits.${name}`, value);
  const maxKeysPerWindow = positive('maxKeysPerWindow', options.maxKeysPerWindow ?? DEFAULT_AGGREGATOR_LIMITS.maxKeysPerWindow);
  const identity = { clusterName: options.anonymizer.anonymize(options.clusterName), reporterHostid: options.anonymizer.anonymize(options.hostId) };
  const buildDeps = {
    anonymizer: options.anonymizer,
    randomUUID: options.randomUUID ?? cryptoRandomUUID,
    ...(options.maxReportBytes === undefined ? {} : { maxReportBytes: options.maxReportBytes }),
  };
  const headers: Readonly<Record<string, string>> = Object.freeze({
    'content-type': 'application/json',
    'connect-protocol-version': '1',
    accept: 'application/json',
    ...(options.userAgent === undefined ? {} : { 'user-agent': options.userAgent }),
  });

  const spool = new UsageSpool(options.spoolDir, identity.clusterName, limits, options.maxReportBytes);
  const foreign = await spool.open();
  if (foreign.length > 0) warn(`usage spool: ${foreign.length} entries that are not usage reports are left alone`, { dir: options.spoolDir, first: foreign[0] });
  const aggregator = new UsageAggregator(now(), { maxKeysPerWindow });
  const stats = { recorded: 0, spooled: 0, sent: 0, failedCalls: 0, givenUp: 0, refusedFiles: 0, lost: 0, foreignFiles: foreign.length };
  if (spool.pending() > 0) logger.debug(`usage spool: ${spool.pending()} reports from an earlier run will be sent`);

  /** Spool writes, in order: a send round waits for the writes before it. */
  let writes: Promise<void> = Promise.resolve();
  let closed = false;
  let round: Promise<{ sent: number; ok: boolean }> | undefined;
  let failures = 0;
  let cancelCheck: CancelTimer | undefined;
  let cancelSend: CancelTimer | undefined;
  const stopRequests = new AbortController();

  const spoolWindows = (windows: ClosedWindow[]): void => {
    if (windows.length === 0) return;
    writes = writes.then(async () => {
      for (const window of windows) {
        let entries: UsageReportEntry[];
        try {
          entries = buildReports(window, identity, buildDeps);
        } catch (error) {
          stats.lost += 1;
          warn(`usage report of the window at ${window.start.toISOString()} not made: ${(error as Error).message}`);
          continue;
        }
        for (const entry of entries) {
          try {
            const given = await spool.add(entry);
            stats.spooled += 1;
            options.onSpooled?.({ kind: entry.kind, uuid: entry.uuid, start: entry.start });
            if (given.length > 0) {
              stats.givenUp += given.length;
              warn(`usage spool full: ${given.length} oldest reports given up unsent`, { dir: options.spoolDir });
            }
          } catch (error) {
            stats.lost += 1;
            warn(`usage report ${entry.uuid} could not be spooled, so it is lost: ${(error as Error).message}`);
          }
        }
      }
    });
  };

  const request = (entries: UsageReportEntry[]): HttpRequest => {
    const body: Record<string, unknown[]> = {};
    const field = { user_activity: 'userActivity', resource_presence: 'resourcePresence', bot_instance_activity: 'botInstanceActivity' } as const;
    for (const entry of entries) {
      const list = body[field[entry.kind]] ?? [];
      list.push(entry.report);
      body[field[entry.kind]] = list;
    }
    return { method: 'POST', url: `${base}${SUBMIT_USAGE_REPORTS_PATH}`, headers, body: JSON.stringify(body) };
  };

  /** Sends batches until the spool is empty or a call fails. */
  const sendAll = async (signal: AbortSignal): Promise<{ sent: number; ok: boolean }> => {
    await writes;
    const expired = await spool.expire(now()).catch(() => []);
    if (expired.length > 0) {
      stats.givenUp += expired.length;
      warn(`usage spool: ${expired.length} reports older than ${Math.round(limits.maxAgeMs / 86_400_000)} days given up unsent`);
    }
    let sent = 0;
    while (!signal.aborted) {
      const batch = spool.next(MAX_REPORTS_PER_CALL);
      if (batch.length === 0) return { sent, ok: true };
      const entries: UsageReportEntry[] = [];
      for (const file of batch) {
        try {
          entries.push(await spool.read(file));
        } catch (error) {
          stats.refusedFiles += 1;
          warn(error instanceof SpoolFileError ? error.message : `usage spool: ${(error as Error).message}`);
        }
      }
      if (entries.length === 0) continue;
      const outcome = await options.transport(request(entries), { timeoutMs, signal });
      if (!outcome.ok) {
        stats.failedCalls += 1;
        logger.debug('usage reports not delivered', { reason: outcome.reason, detail: outcome.detail, reports: entries.length });
        return { sent, ok: false };
      }
      // Acknowledged: only now may the reports leave the disk.
      for (const entry of entries) await spool.remove(batch.find((file) => file.uuid === entry.uuid)!.name).catch(() => undefined);
      sent += entries.length;
      stats.sent += entries.length;
      logger.debug('usage reports sent', { status: outcome.status, reports: entries.length });
    }
    return { sent, ok: false };
  };

  const scheduleSend = (delayMs: number): void => {
    cancelSend?.();
    cancelSend = timers.setTimer(() => void startRound(), delayMs, false);
  };

  const startRound = (): Promise<{ sent: number; ok: boolean }> => {
    round ??= sendAll(stopRequests.signal)
      .catch((error: unknown) => {
        warn(`usage send round failed: ${(error as Error).message}`);
        return { sent: 0, ok: false };
      })
      .then((result) => {
        round = undefined;
        failures = result.ok ? 0 : failures + 1;
        if (!closed) scheduleSend(result.ok ? sendIntervalMs : Math.min(RETRY_MIN_MS * 2 ** Math.min(failures - 1, 30), sendIntervalMs));
        return result;
      });
    return round;
  };

  const check = (): void => {
    cancelCheck = timers.setTimer(
      () => {
        spoolWindows(aggregator.closeDue(now()));
        check();
        // Like the reporter's timers, these never keep the process alive: its own work does.
      },
      checkIntervalMs,
      false,
    );
  };
  check();
  scheduleSend(sendIntervalMs);

  return {
    record(event) {
      if (closed) return false;
      spoolWindows(aggregator.closeDue(now()));
      if (!aggregator.add(event)) return false;
      stats.recorded += 1;
      return true;
    },

    flush() {
      if (!closed) spoolWindows(aggregator.closeDue(now()));
      return round ?? startRound();
    },

    async close(closeOptions = {}) {
      if (!closed) {
        closed = true;
        cancelCheck?.();
        cancelSend?.();
        spoolWindows(aggregator.closeAll());
      }
      await writes;
      const deadline = new AbortController();
      const cancelDeadline = timers.setTimer(() => deadline.abort(), closeOptions.deadlineMs ?? 10_000, false);
      const signals = [deadline.signal, ...(closeOptions.signal === undefined ? [] : [closeOptions.signal])];
      const stop = AbortSignal.any(signals);
      const onStop = (): void => stopRequests.abort();
      stop.addEventListener('abort', onStop, { once: true });
      try {
        // A round under way finishes (or is cut) first; then one more drains what it left.
        if (round !== undefined) await round;
        const result = stop.aborted ? { ok: false } : await startRound();
        return { complete: result.ok && spool.pending() === 0, pending: spool.pending() };
      } finally {
        cancelDeadline();
        stop.removeEventListener('abort', onStop);
        cancelSend?.();
      }
    },

    stats() {
      return { ...stats, dropped: aggregator.dropped, pending: spool.pending() };
    },
  };
}
