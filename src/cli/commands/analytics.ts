/** `tbot analytics status|preview`: say what the agent would decide and send, and send nothing. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { resolveEndpoint } from '../../analytics/endpoint.js';
import { prepareAnalyticsRequest, prepareHeartbeatRequest, type AnalyticsRequest } from '../../analytics/session.js';
import { EndpointError } from '../../errors.js';
import { ANALYTICS_DOCS_URL, BUILD } from '../../version.js';
import { analyticsDeps } from '../analytics-deps.js';
import { loggerFor, resolveConfigAndConsent, withConfigOptions, type ConfigArgs } from '../config-options.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';

interface FormatArgs extends ConfigArgs {
  format?: string;
}

interface PreviewArgs extends FormatArgs {
  heartbeat?: boolean;
}

function withFormat(yargs: Argv): Argv<FormatArgs> {
  return withConfigOptions(yargs).option('format', { type: 'string', choices: ['text', 'json'], default: 'text', describe: 'Output format' }) as Argv<FormatArgs>;
}

export function analyticsCommand(runtime: Runtime, setExitCode: (code: number) => void): CommandModule {
  const status: CommandModule<object, FormatArgs> = {
    command: 'status',
    describe: 'Show whether anonymous analytics is on, and which input decided',
    builder: withFormat,
    handler: async (args: ArgumentsCamelCase<FormatArgs>) => setExitCode(await analyticsStatus(args, runtime)),
  };
  const preview: CommandModule<object, PreviewArgs> = {
    command: 'preview',
    describe: 'Print the exact request `start` would send, and send nothing',
    builder: (yargs: Argv) =>
      withFormat(yargs).option('heartbeat', { type: 'boolean', describe: 'Show the daily heartbeat of a continuous agent instead of tbot.start' }) as Argv<PreviewArgs>,
    handler: async (args: ArgumentsCamelCase<PreviewArgs>) => setExitCode(await analyticsPreview(args, runtime)),
  };
  return {
    command: 'analytics <command>',
    describe: 'Inspect the anonymous usage analytics',
    builder: (yargs: Argv) => yargs.command(status).command(preview).demandCommand(1, 'name a subcommand: status or preview'),
    handler: () => undefined,
  };
}

export async function analyticsStatus(args: FormatArgs, runtime: Runtime): Promise<number> {
  let resolved;
  try {
    resolved = await resolveConfigAndConsent(args, runtime);
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
  const { consent } = resolved;
  let endpoint: { url?: string; source: string; error?: string };
  try {
    const resolvedEndpoint = resolveEndpoint(runtime.env, BUILD.defaultAnalyticsEndpoint);
    endpoint = { url: resolvedEndpoint.base, source: resolvedEndpoint.source };
  } catch (error) {
    if (!(error instanceof EndpointError)) throw error;
    endpoint = { source: error.source, error: error.reason };
  }
  if (args.format === 'json') {
    runtime.stdout(`${JSON.stringify({ enabled: consent.enabled, source: consent.source, decided_by: consent.decidedBy, endpoint, warnings: consent.warnings, docs: ANALYTICS_DOCS_URL })}\n`);
  } else {
    for (const warning of consent.warnings) runtime.stderr(`warning: ${warning}\n`);
    runtime.stdout(
      [
        `Anonymous analytics: ${consent.enabled ? 'enabled' : 'disabled'}`,
        `Decided by: ${consent.source} (${consent.decidedBy})`,
        `Endpoint: ${endpoint.url ?? `invalid: ${endpoint.error}`} (from ${endpoint.source})`,
        `What is sent: ${ANALYTICS_DOCS_URL}`,
        '',
      ].join('\n'),
    );
  }
  return 0;
}

function formatHttp(request: AnalyticsRequest): string {
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`);
  return `${request.method} ${request.url}\n${headers.join('\n')}\n\n${request.body}\n`;
}

export async function analyticsPreview(args: PreviewArgs, runtime: Runtime): Promise<number> {
  const logger = loggerFor(args, runtime);
  let request: AnalyticsRequest;
  let enabled: boolean;
  try {
    const { config, consent } = await resolveConfigAndConsent(args, runtime);
    enabled = consent.enabled;
    if (!enabled) runtime.stderr(`note: analytics is disabled (decided by: ${consent.decidedBy}), so \`tbot start\` would send nothing. Opted in, it would send:\n`);
    if (args.heartbeat === true) {
      if (config.oneshot) {
        enabled = false;
        runtime.stderr('note: a one-shot agent sends no heartbeat; a continuous one would send this once a day:\n');
      } else {
        runtime.stderr('note: the counts are those of an agent that has renewed nothing yet; the first heartbeat goes out a day (±1 h) after start.\n');
      }
    }
    const deps = analyticsDeps(runtime, logger);
    request = args.heartbeat === true ? prepareHeartbeatRequest(config, deps) : prepareAnalyticsRequest(config, deps);
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
  runtime.stdout(args.format === 'json' ? `${JSON.stringify({ would_send: enabled, ...request, body: JSON.parse(request.body) as unknown })}\n` : formatHttp(request));
  return 0;
}
