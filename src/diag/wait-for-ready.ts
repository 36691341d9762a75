/**
 * `tbot wait`: polls a running agent's diagnostics service until it answers ready, the way tbot
 * does: GET <diag>/wait (or /wait/<service>), each request bounded to 5 s, retried after an
 * exponential pause from 20 ms up to 2 s with half jitter, until a success (any status below 400,
 * as Go's trace.ReadError reads it) or the deadline. The clock, the pause, randomness and the
 * HTTP client are passed in, so the loop is tested without a network or real time.
 */
import { TbotError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/** The agent did not answer ready before --timeout. */
export class WaitTimeoutError extends TbotError {
  readonly exitCode = 1;
  override name = 'WaitTimeoutError';
}

/** --diag-addr cannot be made into a URL. */
export class DiagAddressError extends TbotError {
  readonly exitCode = 1;
  override name = 'DiagAddressError';
}

export const REQUEST_TIMEOUT_MS = 5_000;
export const FIRST_PAUSE_MS = 20;
export const MAX_PAUSE_MS = 2_000;

/** tbot's URL: `host:port` gets http://; the path gains /wait and, when given, the service name. */
export function waitUrl(diagAddr: string, service?: string): string {
  const base = diagAddr.includes('://') ? diagAddr : `http://${diagAddr}`;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new DiagAddressError(`--diag-addr ${JSON.stringify(diagAddr)} is not an address; expected host:port, such as 127.0.0.1:3001`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/wait${service === undefined || service === '' ? '' : `/${encodeURIComponent(service)}`}`;
  return url.href;
}

/** The pause before attempt `attempt` + 1 (attempt counts from 1): 20 ms doubling, capped at 2 s, in [d/2, d). */
export function pauseMs(attempt: number, random: number): number {
  const full = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** Math.min(attempt - 1, 20));
  return full / 2 + (full / 2) * random;
}

export interface WaitDeps {
  /** One GET; resolves to the status, rejects on a network failure or when `signal` aborts. */
  get(url: string, signal: AbortSignal): Promise<number>;
  /** Resolves true after `ms`, false as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<boolean>;
  random(): number;
  now(): number;
  logger: Logger;
}

function describeFailure(error: unknown): string {
  const { message, cause } = error as NodeJS.ErrnoException;
  // A fetch-style client wraps the socket's error in `cause`.
  const code = (error as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (is the agent running with this --diag-addr?)';
  if ((error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  return code ?? message ?? String(error);
}

/**
 * Resolves once the agent answers ready; rejects with WaitTimeoutError once `deadline` (a signal
 * that aborts at --timeout, or never) aborts first.
 */
export async function waitForReady(url: string, deadline: AbortSignal, timeoutLabel: string, deps: WaitDeps): Promise<void> {
  const started = deps.now();
  let lastProblem = 'no answer yet';
  for (let attempt = 1; ; attempt++) {
    const request = AbortSignal.any([deadline, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
    try {
      const status = await deps.get(url, request);
      if (status < 400) {
        deps.logger.info('bot reported healthy', { after: `${((deps.now() - started) / 1000).toFixed(3)}s` });
        return;
      }
      lastProblem = `HTTP ${status}`;
    } catch (error) {
      lastProblem = describeFailure(error);
    }
    deps.logger.debug('wait failed, retrying', { error: lastProblem });
    if (deadline.aborted || !(await deps.sleep(pauseMs(attempt, deps.random()), deadline))) {
      deps.logger.warn('bot did not become ready in time', { timeout: timeoutLabel });
      throw new WaitTimeoutError(`the agent at ${url} was not ready within ${timeoutLabel} (last answer: ${lastProblem})`);
    }
  }
}
