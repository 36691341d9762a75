/**
 * Runs the one tbot.start send beside the agent's work. Consent decides whether anything happens
 * at all: when off, this module does not resolve the endpoint, look up DNS or open a socket.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { BotConfig } from '../config/types.js';
import { EndpointError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Consent } from './consent.js';
import { resolveEndpoint } from './endpoint.js';
import type { Env } from './env.js';
import { buildStartEvent } from './event.js';
import { buildSubmitRequest, PayloadRejectedError, type PayloadDeps } from './payload.js';
import { buildAnalyticsRequest, type AnalyticsRequest } from './request.js';
import type { SendOutcome } from './send.js';

/** How long a one-shot run that has finished its work waits for the send. Documented in the README. */
export const ONE_SHOT_GRACE_MS = 1_000;
/** The send's own cap, which matters in continuous mode where nothing else cuts it short. */
export const SEND_TIMEOUT_MS = 10_000;

export interface AnalyticsDeps extends PayloadDeps {
  env: Env;
  version: string;
  defaultEndpoint: string;
  logger: Logger;
}

/** Builds the exact request `start` would send. Throws EndpointError or PayloadRejectedError. */
export function prepareAnalyticsRequest(config: BotConfig, deps: AnalyticsDeps): AnalyticsRequest {
  const endpoint = resolveEndpoint(deps.env, deps.defaultEndpoint);
  const { event, dropped } = buildStartEvent(config, deps.env, deps.version);
  for (const reason of dropped) deps.logger.debug(`analytics: ${reason}`);
  return buildAnalyticsRequest(endpoint, buildSubmitRequest(event, deps), deps.version);
}

export interface AnalyticsSession {
  /** Settles when the send has ended, however it ended. Never rejects. */
  readonly settled: Promise<SendOutcome | undefined>;
  /** Gives up on the send at once (closing its socket). */
  abort(): void;
  /**
   * Waits until the send has had `graceMs` since it was launched (so never longer than `graceMs`
   * from now), or until `stop` aborts, then abandons it. Returns whether it had finished in time.
   */
  drain(graceMs: number, stop: AbortSignal): Promise<boolean>;
}

const IDLE: AnalyticsSession = { settled: Promise.resolve(undefined), abort() {}, drain: async () => true };

export function launchAnalytics(consent: Consent, config: BotConfig, deps: AnalyticsDeps): AnalyticsSession {
  if (!consent.enabled) return IDLE;
  let request: AnalyticsRequest;
  try {
    request = prepareAnalyticsRequest(config, deps);
  } catch (error) {
    if (error instanceof EndpointError) deps.logger.warn(`anonymous analytics not sent: ${error.message}`);
    else if (error instanceof PayloadRejectedError) deps.logger.debug(`anonymous analytics not sent: ${error.message}`);
    else throw error;
    return IDLE;
  }

  const controller = new AbortController();
  const launchedAt = deps.now().getTime();
  // Loaded on demand: an opted-out run never even evaluates the HTTP client (ky, and fetch's undici).
  const settled = import('./send.js')
    .then(({ sendAnalyticsRequest }) =>
      sendAnalyticsRequest(request, { timeoutMs: SEND_TIMEOUT_MS, signal: controller.signal }),
    )
    .then((outcome) => {
      if (outcome.ok) deps.logger.debug('anonymous analytics sent', { status: outcome.status });
      else deps.logger.debug('anonymous analytics not delivered', { reason: outcome.reason, detail: outcome.detail });
      return outcome;
    });

  return {
    settled,
    abort: () => controller.abort(),
    drain: async (graceMs, stop) => {
      // Everything the wait sets up is torn down by `cleanup`, so no timer outlives it.
      const cleanup = new AbortController();
      // The send ran beside the work, so that time counts against its budget.
      const remainingMs = Math.max(0, Math.min(graceMs, launchedAt + graceMs - deps.now().getTime()));
      const finished = await Promise.race([
        settled.then(() => true),
        delay(remainingMs, false, { signal: cleanup.signal }).catch(() => false),
        new Promise<boolean>((resolve) => {
          if (stop.aborted) resolve(false);
          stop.addEventListener('abort', () => resolve(false), { once: true, signal: cleanup.signal });
        }),
      ]);
      cleanup.abort();
      if (!finished) {
        controller.abort();
        deps.logger.debug(
          stop.aborted ? 'anonymous analytics abandoned: the agent is stopping' : `anonymous analytics abandoned: not finished within the ${graceMs} ms one-shot grace period`,
        );
      }
      return finished;
    },
  };
}
