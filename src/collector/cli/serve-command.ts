/** `tbot-collector serve`: the ingestion endpoint over the durable store, with optional PostHog forwarding. */
import { once } from 'node:events';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { TbotError, UsageError } from '../../errors.js';
import { DEFAULT_MAX_CONNECTIONS_PER_ADDRESS } from '../ingest/server.js';
import type { CollectorRuntime } from '../runtime.js';
import { collectorLogger, resolvePostHog, serve, type RunningCollector } from '../serve.js';
import { dataDirOption } from './data-dir-option.js';

interface ServeArgs {
  listen: string;
  dataDir: string;
  posthogHost?: string;
  posthogApiKey?: string;
  maxConnectionsPerAddress?: string;
}

export const ENV_MAX_CONNECTIONS_PER_ADDRESS = 'TBOT_COLLECTOR_MAX_CONNECTIONS_PER_ADDRESS';

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port > 65_535) throw new UsageError(`--listen ${JSON.stringify(text)}: expected host:port, e.g. 127.0.0.1:8787`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Flag over env over the default; a whole number from 0 (no cap) to 100,000. */
export function resolveMaxConnectionsPerAddress(flag: string | undefined, env: CollectorRuntime['env']): number {
  const [source, text] = flag !== undefined ? ['--max-connections-per-address', flag] : [ENV_MAX_CONNECTIONS_PER_ADDRESS, env[ENV_MAX_CONNECTIONS_PER_ADDRESS]];
  if (text === undefined || text === '') return DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  if (!/^\d{1,6}$/.test(text.trim()) || Number(text) > 100_000) throw new UsageError(`${source} ${JSON.stringify(text)}: expected a whole number from 0 (no cap) to 100000`);
  return Number(text);
}

export function serveCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, ServeArgs> {
  return {
    command: 'serve',
    describe: 'Receive events (Connect unary, JSON or binary protobuf) and store them durably',
    builder: (yargs: Argv) =>
      yargs
        .option('listen', { type: 'string', requiresArg: true, default: '127.0.0.1:8787', describe: 'host:port to listen on' })
        .option('data-dir', dataDirOption('Where event segments are written (created 0700; refused if a symlink or group/world-writable)'))
        .option('posthog-host', { type: 'string', requiresArg: true, describe: 'Forward to this PostHog (env TBOT_COLLECTOR_POSTHOG_HOST)' })
        .option('posthog-api-key', { type: 'string', requiresArg: true, describe: 'PostHog project API key (env TBOT_COLLECTOR_POSTHOG_API_KEY)' })
        .option('max-connections-per-address', {
          type: 'string',
          requiresArg: true,
          describe: `Open connections one client (IPv4 address or IPv6 /64) may hold; 0 = no cap, for use behind a reverse proxy (env ${ENV_MAX_CONNECTIONS_PER_ADDRESS}, default ${DEFAULT_MAX_CONNECTIONS_PER_ADDRESS})`,
        }) as unknown as Argv<ServeArgs>,
    handler: async (args: ArgumentsCamelCase<ServeArgs>) => {
      const { host, port } = parseListen(args.listen);
      const posthog = resolvePostHog(args, runtime.env);
      const maxConnectionsPerAddress = resolveMaxConnectionsPerAddress(args.maxConnectionsPerAddress, runtime.env);
      const logger = collectorLogger(runtime);
      const stop = runtime.stopSignal();
      let running: RunningCollector;
      try {
        running = await serve({ host, port, dataDir: args.dataDir, maxConnectionsPerAddress, ...(posthog === undefined ? {} : { posthog }) }, runtime, logger);
      } catch (error) {
        // An unusable data directory or listen address: say so and exit non-zero, nothing started.
        if (!(error instanceof TbotError) || error instanceof UsageError) throw error;
        runtime.stderr(`tbot-collector: ${error.message}\n`);
        setExitCode(error.exitCode);
        return;
      }
      if (!stop.aborted) await once(stop, 'abort');
      logger.info('stopping');
      await running.close();
      setExitCode(0);
    },
  };
}
