/** `tbot analytics preview [--heartbeat]`: print the exact request `start` would send, and send nothing. */
import { prepareAnalyticsRequest, prepareHeartbeatRequest, type AnalyticsRequest } from '../../analytics/session.js';
import { analyticsDeps } from '../analytics-deps.js';
import type { CommandDef, Invocation } from '../command-table.js';
import { loggerFor, resolveConfigAndConsent } from '../config-input.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';

function formatHttp(request: AnalyticsRequest): string {
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`);
  return `${request.method} ${request.url}\n${headers.join('\n')}\n\n${request.body}\n`;
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
  runtime.stdout(
    invocation.values['format'] === 'json' ? `${JSON.stringify({ would_send: enabled, ...request, body: JSON.parse(request.body) as unknown })}\n` : formatHttp(request),
  );
  return 0;
}
