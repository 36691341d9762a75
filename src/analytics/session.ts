/**
 * The agent's analytics, through the reporter: one tbot.start sent beside the first renewal, and,
 * for a continuous agent, a heartbeat a day. Consent decides whether anything happens at all:
 * when off, this module does not resolve the endpoint, look up DNS, open a socket or even load
 * the HTTP client.
 */
import type { BotConfig } from '../config/types.js';
import { EndpointError, TbotError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import {
  createReporter,
  EphemeralDistinctId,
  fixedConsent,
  PerEventDistinctId,
  type AnyEventType,
  type DistinctIdSource,
  type HttpRequest,
  type Preview,
  type Reporter,
  type ServiceDescriptor,
} from '../reporting/index.js';
import type { Consent } from './consent.js';
import { IDLE_SESSION, type AnalyticsSession } from './session-handle.js';
import { resolveEndpoint, type Endpoint } from './endpoint.js';
import type { Env } from './env.js';
import { buildStartEvent } from './event.js';
import { buildHeartbeatEvent, heartbeatIntervalMs, scheduleHeartbeats, type HeartbeatSchedule } from './heartbeat.js';
import type { RenewalTally } from './renewal-tally.js';
import { AGENT_REPORTING_SERVICE, TBOT_REPORTING_SERVICE, TbotHeartbeat, TbotStart } from './services.js';

/** The send's own cap, which matters in continuous mode where nothing else cuts it short. */
export const SEND_TIMEOUT_MS = 10_000;
/** Starts every analytics log line; tests and users grep for it. */
const LABEL = 'anonymous analytics';

export interface AnalyticsDeps {
  env: Env;
  version: string;
  defaultEndpoint: string;
  logger: Logger;
  now: () => Date;
  randomUUID: () => string;
  /** Uniform in [0, 1); jitters the first heartbeat. */
  random: () => number;
}

/** The request would fail its own schema, so it is never sent (and `preview` says why). */
export class PayloadRejectedError extends TbotError {
  readonly exitCode = 1;
  override name = 'PayloadRejectedError';
}

export type AnalyticsRequest = HttpRequest;

/** A reporter for one of the agent's services. Requests carry `tbot/<version>` as User-Agent and nothing else about the machine. */
function agentReporter<E extends AnyEventType>(service: ServiceDescriptor<E>, endpoint: Endpoint, deps: AnalyticsDeps, identity: DistinctIdSource, label: string): Reporter<E> {
  return createReporter({
    service,
    endpoint: endpoint.base,
    // Only ever built once consent is on.
    consent: fixedConsent(true),
    identity,
    clock: deps,
    logger: deps.logger,
    label,
    userAgent: `tbot/${deps.version}`,
    requestTimeoutMs: SEND_TIMEOUT_MS,
  });
}

const startReporter = (endpoint: Endpoint, deps: AnalyticsDeps) => agentReporter(TBOT_REPORTING_SERVICE, endpoint, deps, new EphemeralDistinctId(deps.randomUUID), LABEL);
const heartbeatReporter = (endpoint: Endpoint, deps: AnalyticsDeps) =>
  agentReporter(AGENT_REPORTING_SERVICE, endpoint, deps, new PerEventDistinctId(deps.randomUUID), `${LABEL} heartbeat`);

function built(preview: Preview): HttpRequest {
  if (!preview.ok) throw new PayloadRejectedError(`analytics payload rejected: ${preview.problem}`);
  return preview.request;
}

/** The exact tbot.start request `start` would send. Throws EndpointError or PayloadRejectedError. */
export function prepareAnalyticsRequest(config: BotConfig, deps: AnalyticsDeps): AnalyticsRequest {
  const endpoint = resolveEndpoint(deps.env, deps.defaultEndpoint);
  const { event, dropped } = buildStartEvent(config, deps.env, deps.version);
  for (const reason of dropped) deps.logger.debug(`analytics: ${reason}`);
  return built(startReporter(endpoint, deps).preview(TbotStart.create(event)));
}

/** The exact request of a continuous agent's first heartbeat (no renewals counted yet). Throws like prepareAnalyticsRequest. */
export function prepareHeartbeatRequest(config: BotConfig, deps: AnalyticsDeps): AnalyticsRequest {
  const endpoint = resolveEndpoint(deps.env, deps.defaultEndpoint);
  const intervalMs = heartbeatIntervalMs(deps.env);
  const event = buildHeartbeatEvent(config, deps.version, { renewals: 0, failures: 0 }, intervalMs, intervalMs);
  return built(heartbeatReporter(endpoint, deps).preview(TbotHeartbeat.create(event)));
}

const STOPPING = 'the agent is stopping';

/**
 * Starts the analytics of one agent run. `renewals` is the tally the agent's cycle reports into
 * (see countRenewals); a continuous agent's heartbeats read it.
 */
export function launchAnalytics(consent: Consent, config: BotConfig, deps: AnalyticsDeps, renewals?: RenewalTally): AnalyticsSession {
  if (!consent.enabled) return IDLE_SESSION;
  let endpoint: Endpoint;
  try {
    endpoint = resolveEndpoint(deps.env, deps.defaultEndpoint);
  } catch (error) {
    if (!(error instanceof EndpointError)) throw error;
    deps.logger.warn(`${LABEL} not sent: ${error.message}`);
    return IDLE_SESSION;
  }
  const { event, dropped } = buildStartEvent(config, deps.env, deps.version);
  for (const reason of dropped) deps.logger.debug(`analytics: ${reason}`);

  const launchedAt = deps.now();
  const start = startReporter(endpoint, deps);
  start.capture(TbotStart.create(event));
  // Sent now, beside the first cycle, rather than after the reporter's batch interval.
  const settled = start.flush();

  let heartbeats: HeartbeatSchedule | undefined;
  if (!config.oneshot && renewals !== undefined) {
    heartbeats = scheduleHeartbeats({
      config,
      version: deps.version,
      tally: renewals,
      reporter: heartbeatReporter(endpoint, deps),
      intervalMs: heartbeatIntervalMs(deps.env),
      startedAt: launchedAt,
      now: deps.now,
      random: deps.random,
      logger: deps.logger,
    });
  }

  return {
    settled,
    abort: () => {
      heartbeats?.stop();
      void start.close({ deadlineMs: 0, deadlineReason: STOPPING });
    },
    drain: async (graceMs, stop) => {
      // The send ran beside the work, so that time counts against its budget.
      const remainingMs = Math.max(0, Math.min(graceMs, launchedAt.getTime() + graceMs - deps.now().getTime()));
      const { complete } = await start.close({
        deadlineMs: remainingMs,
        signal: stop,
        deadlineReason: `not finished within the ${graceMs} ms one-shot grace period`,
        signalReason: STOPPING,
      });
      return complete;
    },
  };
}
