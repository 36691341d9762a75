/** `tbot-collector serve`: the ingestion endpoint over the durable store, with optional PostHog forwarding. */
import { once } from 'node:events';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import type { CollectorRuntime } from '../runtime.js';
import { collectorLogger, resolvePostHog, serve } from '../serve.js';

interface ServeArgs {
  listen: string;
  dataDir: string;
  posthogHost?: string;
  posthogApiKey?: string;
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port > 65_535) throw new UsageError(`--listen ${JSON.stringify(text)}: expected host:port, e.g. 127.0.0.1:8787`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}

export function serveCommand(runtime: CollectorRuntime, setExitCode: (code: number) => void): CommandModule<object, ServeArgs> {
  return {
    command: 'serve',
    describe: 'Receive events (Connect unary, JSON or binary protobuf) and store them durably',
    builder: (yargs: Argv) =>
      yargs
        .option('listen', { type: 'string', default: '127.0.0.1:8787', describe: 'host:port to listen on' })
        .option('data-dir', { type: 'string', default: './collector-data', describe: 'Where event segments are written' })
        .option('posthog-host', { type: 'string', describe: 'Forward to this PostHog (env TBOT_COLLECTOR_POSTHOG_HOST)' })
        .option('posthog-api-key', { type: 'string', describe: 'PostHog project API key (env TBOT_COLLECTOR_POSTHOG_API_KEY)' }) as unknown as Argv<ServeArgs>,
    handler: async (args: ArgumentsCamelCase<ServeArgs>) => {
      const { host, port } = parseListen(args.listen);
      const posthog = resolvePostHog(args, runtime.env);
      const logger = collectorLogger(runtime);
      const stop = runtime.stopSignal();
      const running = await serve({ host, port, dataDir: args.dataDir, ...(posthog === undefined ? {} : { posthog }) }, runtime, logger);
      if (!stop.aborted) await once(stop, 'abort');
      logger.info('stopping');
      await running.close();
      setExitCode(0);
    },
  };
}
