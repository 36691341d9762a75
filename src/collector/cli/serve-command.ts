/** `tbot-collector serve`: the ingestion endpoint over the durable store, with optional PostHog forwarding. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { createLogger } from '../../log/logger.js';
import { createIngestServer } from '../ingest-server.js';
import { CollectorMetrics } from '../metrics.js';
import { PostHogForwarder } from '../posthog-forwarder.js';
import { SegmentStore } from '../segment-store.js';

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

export function serveCommand(setExitCode: (code: number) => void): CommandModule<object, ServeArgs> {
  return {
    command: 'serve',
    describe: 'Receive tbot.start events (Connect unary, JSON or binary protobuf) and store them durably',
    builder: (yargs: Argv) =>
      yargs
        .option('listen', { type: 'string', default: '127.0.0.1:8787', describe: 'host:port to listen on' })
        .option('data-dir', { type: 'string', default: './collector-data', describe: 'Where event segments are written' })
        .option('posthog-host', { type: 'string', describe: 'Forward to this PostHog (env TBOT_COLLECTOR_POSTHOG_HOST)' })
        .option('posthog-api-key', { type: 'string', describe: 'PostHog project API key (env TBOT_COLLECTOR_POSTHOG_API_KEY)' }) as unknown as Argv<ServeArgs>,
    handler: async (args: ArgumentsCamelCase<ServeArgs>) => {
      const { host, port } = parseListen(args.listen);
      const logger = createLogger({ level: 'info', format: 'text', write: (line) => void process.stderr.write(line), now: () => new Date() });
      const metrics = new CollectorMetrics();
      const store = new SegmentStore(args.dataDir, {
        onBatch: (_events, millis) => metrics.observeWrite(millis),
        onTornTail: (segment, bytes) => {
          metrics.tornTails += 1;
          logger.warn('cut a torn last line left by a crash', { segment, bytes });
        },
      });
      await store.open();
      const posthogHost = args.posthogHost ?? process.env['TBOT_COLLECTOR_POSTHOG_HOST'];
      const posthogApiKey = args.posthogApiKey ?? process.env['TBOT_COLLECTOR_POSTHOG_API_KEY'];
      if ((posthogHost === undefined) !== (posthogApiKey === undefined)) throw new UsageError('PostHog forwarding needs both --posthog-host and --posthog-api-key');
      const forwarder =
        posthogHost === undefined || posthogApiKey === undefined
          ? undefined
          : new PostHogForwarder({ dataDir: args.dataDir, host: posthogHost, apiKey: posthogApiKey, logger, onForwarded: (count) => (metrics.forwarded += count) });
      if (forwarder !== undefined) {
        metrics.forwardQueueDepth = () => forwarder.pending;
        await forwarder.start();
        logger.info('forwarding to PostHog', { host: new URL(posthogHost!).origin });
      }
      const server = createIngestServer({ store, metrics, now: () => new Date(), ...(forwarder === undefined ? {} : { onAccepted: () => forwarder.notify() }) });
      server.listen(port, host);
      await once(server, 'listening');
      const address = server.address() as AddressInfo;
      // Tests and supervisors read the bound port from this line (port 0 picks a free one).
      logger.info('collector listening', { address: `${address.address}:${address.port}`, data_dir: args.dataDir });

      const stop = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
      await once(stop.signal, 'abort');
      logger.info('stopping');
      server.close();
      server.closeAllConnections();
      await store.close();
      await forwarder?.close();
      setExitCode(0);
    },
  };
}
