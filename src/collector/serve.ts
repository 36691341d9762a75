/**
 * A running collector: the durable store, the ingestion server over it, and, when configured,
 * the PostHog forwarder reading behind it. The CLI's `serve` is a thin wrapper around this.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { PostHogForwarder } from './forward/posthog-forwarder.js';
import { createIngestServer } from './ingest/server.js';
import { CollectorMetrics } from './metrics.js';
import type { CollectorRuntime } from './runtime.js';
import { SegmentStore } from './store/segment-store.js';

export interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  posthog?: { host: string; apiKey: string };
}

export interface RunningCollector {
  /** host:port actually bound (port 0 picks a free one). */
  address: string;
  metrics: CollectorMetrics;
  close(): Promise<void>;
}

export const ENV_POSTHOG_HOST = 'TBOT_COLLECTOR_POSTHOG_HOST';
export const ENV_POSTHOG_API_KEY = 'TBOT_COLLECTOR_POSTHOG_API_KEY';

/** Flags win over env; forwarding needs both a host and a key, or neither. */
export function resolvePostHog(flags: { posthogHost?: string; posthogApiKey?: string }, env: CollectorRuntime['env']): ServeOptions['posthog'] {
  const host = flags.posthogHost ?? env[ENV_POSTHOG_HOST];
  const apiKey = flags.posthogApiKey ?? env[ENV_POSTHOG_API_KEY];
  if ((host === undefined) !== (apiKey === undefined)) throw new UsageError('PostHog forwarding needs both --posthog-host and --posthog-api-key');
  return host === undefined || apiKey === undefined ? undefined : { host, apiKey };
}

export function collectorLogger(runtime: CollectorRuntime): Logger {
  return createLogger({ level: 'info', format: 'text', write: runtime.stderr, now: runtime.now });
}

export async function serve(options: ServeOptions, runtime: CollectorRuntime, logger: Logger = collectorLogger(runtime)): Promise<RunningCollector> {
  const metrics = new CollectorMetrics();
  const store = new SegmentStore(options.dataDir, {
    onBatch: (_appends, millis) => metrics.observeWrite(millis),
    onTornTail: (segment, bytes) => {
      metrics.tornTails += 1;
      logger.warn('cut a torn last line left by a crash', { segment, bytes });
    },
  });
  await store.open();
  const forwarder =
    options.posthog === undefined
      ? undefined
      : new PostHogForwarder({ dataDir: options.dataDir, host: options.posthog.host, apiKey: options.posthog.apiKey, logger, onForwarded: (count) => (metrics.forwarded += count) });
  if (forwarder !== undefined) {
    metrics.forwardQueueDepth = () => forwarder.pending;
    await forwarder.start();
    logger.info('forwarding to PostHog', { host: new URL(options.posthog!.host).origin });
  }
  const server = createIngestServer({ store, metrics, now: runtime.now, ...(forwarder === undefined ? {} : { onAccepted: (count) => forwarder.notify(count) }) });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const bound = server.address() as AddressInfo;
  const address = `${bound.address}:${bound.port}`;
  // Tests and supervisors read the bound port from this line.
  logger.info('collector listening', { address, data_dir: options.dataDir });
  return {
    address,
    metrics,
    close: async () => {
      server.close();
      server.closeAllConnections();
      await store.close();
      await forwarder?.close();
    },
  };
}
