/** `tbot analytics preview [--heartbeat]`: print the exact request `start` would send, and send nothing. */
import { droppedHelpers, type DroppedHelper } from '../../analytics/helper-check.js';
import { prepareAnalyticsRequest, prepareHeartbeatRequest, type AnalyticsRequest } from '../../analytics/session.js';
import { analyticsDeps } from '../analytics-deps.js';
import type { CommandDef, Invocation } from '../command-types.js';
import { loggerFor, resolveConfigAndConsent } from '../config-input.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';

function formatHttp(request: AnalyticsRequest): string {
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`);
  return `${request.method} ${request.url}\n${headers.join('\n')}\n\n${request.body}\n`;
}

/** Enough of a refused value to recognise it; a runaway one is cut, with its length said. */
const SHOWN_CHARS = 100;
function shown(value: string): string {
  return value.length <= SHOWN_CHARS ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, SHOWN_CHARS))}… (${value.length} characters)`;
}

/** Why a helper value set here is left out of the request: the person who set it sees it; it is never sent or logged. */
function notSentLine(item: DroppedHelper): string {
  return `note: ${item.name}=${shown(item.value)} was not sent: ${item.reason}\n`;
}

export async function run(invocation: Invocation, runtime: Runtime, command: CommandDef): Promise<number> {
  const heartbeat = invocation.values['heartbeat'] === true;
  let request: AnalyticsRequest;
  let enabled: boolean;
  try {
    const { config, consent } = await resolveConfigAndConsent(command, invocation, runtime);
    for (const warning of config.warnings) runtime.stderr(`warning: ${warning}\n`);
    enabled = consent.enabled;
    if (!enabled) runtime.stderr(`note: analytics is disabled (decided by: ${consent.decidedBy}), so \`tbot start\` would send nothing. Opted in, it would send:\n`);
    if (heartbeat) {
      if (config.oneshot) {
        enabled = false;
        runtime.stderr('note: a one-shot agent sends no heartbeat; a continuous one would send this once a day:\n');
      } else {
        runtime.stderr('note: the counts are those of an agent that has renewed nothing yet; the first heartbeat goes out a day (±1 h) after start.\n');
      }
    }
    const deps = analyticsDeps(runtime, loggerFor(config.debug, invocation, runtime));
    request = heartbeat ? prepareHeartbeatRequest(config, deps) : prepareAnalyticsRequest(config, deps);
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
  const notSent = droppedHelpers(runtime.env);
  if (invocation.values['format'] === 'json') {
    const not_sent = notSent.map((item) => ({ env: item.name, value: item.value.slice(0, SHOWN_CHARS), length: item.value.length, reason: item.reason }));
    runtime.stdout(`${JSON.stringify({ would_send: enabled, ...request, body: JSON.parse(request.body) as unknown, not_sent })}\n`);
  } else {
    for (const item of notSent) runtime.stderr(notSentLine(item));
    runtime.stdout(formatHttp(request));
  }
  return 0;
}
