/**
 * A running collector: the durable store, the ingestion server over it, and, when configured,
 * the PostHog forwarder reading behind it. The CLI's `serve` is a thin wrapper around this.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { TbotError, UsageError } from '../errors.js';
import { createLogger, type LogFormat, type Logger } from '../log/logger.js';
import { BaseUrlError, parseBaseUrl } from '../net/base-url.js';
import { forwarderHolder } from './forward/cursor-file.js';
import { DEFAULT_SUMMARY_INTERVAL_MS, startActivitySummary } from './activity-summary.js';
import { PostHogForwarder } from './forward/posthog-forwarder.js';
import { createIngestServer, type ConnectPath } from './ingest/server.js';
import { CollectorMetrics } from './metrics.js';
import type { CollectorRuntime } from './runtime.js';
import { segmentRetention } from './store/segment-retention.js';
import type { Shipping } from './ship/start-shipping.js';
import { parseStoreUrl, StoreUrlError, type StoreUrl } from './store/postgres/store-url.js';
import { SegmentStore } from './store/segment-store.js';
import type { ServerTls, TlsServeOptions } from './tenants/server-tls.js';
import { Upkeep } from './upkeep.js';

export interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  posthog?: { host: string; apiKey: string };
  /** Connections one client address may hold (see ingest/server.ts); 0 turns the cap off. */
  maxConnectionsPerAddress?: number;
  /** HTTPS with ALPN (h2, http/1.1) and tenant client certificates; plain HTTP/1.1 and h2c when absent. */
  tls?: TlsServeOptions;
  /** Who answers Connect unary calls (see ingest/server.ts). */
  connectPath?: ConnectPath;
  /** Serve the live report pages at /dashboard/; `token` is required of readers when set. */
  dashboard?: { token: string | undefined };
  /** Days of sealed segments to keep (--retain); absent keeps everything. */
  retainDays?: number;
  /** How often the activity line is logged (activity-summary.ts); a minute unless a test says otherwise. */
  summaryIntervalMs?: number;
  /**
   * The shared PostgreSQL store the local segments are shipped to (ship/); none by default. With
   * it, PostHog forwarding reads from the store, by whichever instance holds the fleet lock.
   */
  store?: StoreUrl;
}

export interface RunningCollector {
  /** host:port actually bound (port 0 picks a free one). */
  address: string;
  metrics: CollectorMetrics;
  close(): Promise<void>;
}

export const ENV_POSTHOG_HOST = 'TBOT_COLLECTOR_POSTHOG_HOST';
export const ENV_POSTHOG_API_KEY = 'TBOT_COLLECTOR_POSTHOG_API_KEY';
export const ENV_STORE = 'TBOT_COLLECTOR_STORE';

/** The address could not be listened on (in use, not ours, not resolvable): the environment, not a bug. */
export class ListenError extends TbotError {
  readonly exitCode = 1;
  override name = 'ListenError';
}

/**
 * Flags win over env; forwarding needs both a host and a key, or neither. The host must be a plain
 * http(s) base URL: a file: URL or one carrying credentials could never work and would fail
 * forever in the background, so it is refused before anything starts. The URL itself is not
 * echoed, since it may hold a password.
 */
export function resolvePostHog(flags: { posthogHost?: string; posthogApiKey?: string }, env: CollectorRuntime['env']): ServeOptions['posthog'] {
  const host = flags.posthogHost ?? env[ENV_POSTHOG_HOST];
  const apiKey = flags.posthogApiKey ?? env[ENV_POSTHOG_API_KEY];
  if ((host === undefined) !== (apiKey === undefined)) throw new UsageError('PostHog forwarding needs both --posthog-host and --posthog-api-key');
  if (host === undefined || apiKey === undefined) return undefined;
  if (!/^[\x21-\x7e]+$/.test(apiKey))
    throw new UsageError(`${flags.posthogApiKey === undefined ? ENV_POSTHOG_API_KEY : '--posthog-api-key'}: expected a PostHog project API key (printable, no spaces)`);
  try {
    return { host: parseBaseUrl(host), apiKey };
  } catch (error) {
    if (!(error instanceof BaseUrlError)) throw error;
    throw new UsageError(`${flags.posthogHost === undefined ? ENV_POSTHOG_HOST : '--posthog-host'}: ${error.message}; expected a base URL such as https://eu.i.posthog.com`);
  }
}

/**
 * --store over TBOT_COLLECTOR_STORE. The env var keeps the password out of `ps`; a password given on
 * the command line works, with a warning (through `warn`) saying so.
 */
export function resolveStore(flag: string | undefined, env: CollectorRuntime['env'], warn: (message: string) => void): StoreUrl | undefined {
  const [source, text] = flag !== undefined ? ['--store', flag] : [ENV_STORE, env[ENV_STORE]];
  if (text === undefined || text === '') return undefined;
  try {
    const store = parseStoreUrl(text, source);
    if (flag !== undefined && store.password !== undefined) warn(`--store holds a password, which other users of this machine can read in ps; set ${ENV_STORE} instead`);
    return store;
  } catch (error) {
    if (!(error instanceof StoreUrlError)) throw error;
    throw new UsageError(error.message);
  }
}

export function collectorLogger(runtime: CollectorRuntime, format: LogFormat = 'text'): Logger {
  return createLogger({ level: 'info', format, write: runtime.stderr, now: runtime.now, component: 'tbot-collector' });
}

export async function serve(options: ServeOptions, runtime: CollectorRuntime, logger: Logger = collectorLogger(runtime)): Promise<RunningCollector> {
  const metrics = new CollectorMetrics();
  // Started once the store is open; what the store writes from then on is handed to it.
  let shipping: Shipping | undefined;
  const store = new SegmentStore(options.dataDir, {
    onWritten: (segment, offset, bytes) => shipping?.written(segment, offset, bytes),
    onBatch: (_appends, millis) => metrics.observeWrite(millis),
    onTornTail: (segment, bytes) => {
      metrics.tornTails += 1;
      logger.warn('cut a torn last line left by a crash', { segment, bytes });
    },
    onWriteError: (segment, error) => logger.error('cannot write to the store; answering unavailable until it can', { segment, error: error.code ?? error.message }),
    onLateLines: (day, segment) => logger.warn('events arrived for a day already sealed (the clock went back?); storing them in the first open segment', { day, segment }),
  });
  await store.open();
  let tls: ServerTls | undefined;
  try {
    tls =
      options.tls === undefined
        ? undefined
        : await (await import('./tenants/server-tls.js')).prepareServerTls(options.dataDir, options.tls, runtime.now(), (error) =>
            logger.error('cannot read the tenant registry; refusing certificates of the collector CA until it can', { error: error.message }),
          );
  } catch (error) {
    await store.close();
    throw error;
  }
  // With a shared store, whichever instance holds its lock forwards for the fleet (fleet-source.ts);
  // only then is the PostgreSQL client loaded.
  const fleet =
    options.posthog === undefined || options.store === undefined
      ? undefined
      : await (await import('./forward/fleet-forwarding.js')).openFleetSource(options.store, logger, metrics);
  const forwarder =
    options.posthog === undefined
      ? undefined
      : new PostHogForwarder({
          dataDir: options.dataDir,
          ...(fleet === undefined ? {} : { source: fleet.source }),
          host: options.posthog.host,
          apiKey: options.posthog.apiKey,
          logger,
          now: runtime.now,
          onForwarded: (count) => (metrics.forwarded += count),
          onDeadLettered: (reason) => metrics.deadLettered.set(reason, (metrics.deadLettered.get(reason) ?? 0) + 1),
        });
  if (options.store !== undefined) {
    try {
      // Loaded only here: a collector without --store never loads the PostgreSQL client.
      shipping = await (await import('./ship/start-shipping.js')).startShipping({
        store: options.store,
        dataDir: options.dataDir,
        logger,
        now: runtime.now,
        onDeadLettered: (reason) => metrics.deadLettered.set(reason, (metrics.deadLettered.get(reason) ?? 0) + 1),
      });
    } catch (error) {
      await store.close();
      throw error;
    }
    const running = shipping;
    metrics.outbox = () => running.gauges();
  }
  if (forwarder !== undefined) {
    metrics.forwardQueueDepth = () => forwarder.pending;
    await forwarder.start();
    logger.info(fleet === undefined ? 'forwarding to PostHog' : 'forwarding to PostHog from the shared store while this instance holds the fleet lock', {
      host: new URL(options.posthog!.host).origin,
    });
  }
  const pages =
    options.dashboard === undefined
      ? undefined
      : (await import('./dashboard/pages.js')).dashboardPages({
          dataDir: options.dataDir,
          token: options.dashboard.token,
          secure: tls !== undefined,
          now: runtime.now,
          onError: (error) => logger.error('a dashboard view failed', { error: error instanceof Error ? error.message : String(error) }),
        });
  // Sealing past days, and with --retain dropping old ones, runs beside ingest, never in front of it.
  const upkeep = new Upkeep({
    dataDir: options.dataDir,
    store,
    ...(options.retainDays === undefined
      ? {}
      : {
          retention: {
            days: options.retainDays,
            targets: [
              // Segments are kept until whoever reads them has passed them: the local forwarder, the shipper.
              segmentRetention(
                options.dataDir,
                [...(fleet === undefined ? [forwarderHolder(options.dataDir, forwarder !== undefined)] : []), ...(shipping === undefined ? [] : [shipping.holder])],
                logger,
              ),
              ...(shipping === undefined ? [] : [shipping.retention]),
            ],
          },
        }),
    logger,
    now: runtime.now,
  });
  if (options.retainDays !== undefined) logger.info('keeping sealed segments for', { days: options.retainDays });
  upkeep.start();
  const server = createIngestServer({
    store,
    metrics,
    now: runtime.now,
    ...(options.maxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress: options.maxConnectionsPerAddress }),
    ...(tls === undefined ? {} : { tls: { certPem: tls.certPem, keyPem: tls.keyPem, tenants: tls.tenants } }),
    ...(options.connectPath === undefined ? {} : { connectPath: options.connectPath }),
    ...(forwarder === undefined && shipping === undefined
      ? {}
      : {
          onAccepted: (count) => {
            // The fleet's forwarder reads what every instance shipped, not what this one accepted.
            if (fleet === undefined) forwarder?.notify(count);
            shipping?.notify(count);
          },
        }),
    ...(pages === undefined ? {} : { pages }),
  });
  server.listen(options.port, options.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    await upkeep.close();
    await store.close();
    await forwarder?.close();
    await fleet?.close();
    await shipping?.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new ListenError(`cannot listen on ${options.host}:${options.port}: ${code ?? (error as Error).message}`);
  }
  const bound = server.address() as AddressInfo;
  const address = `${bound.address}:${bound.port}`;
  // Tests and supervisors read the bound port from this line.
  logger.info('collector listening', { address, scheme: tls === undefined ? 'http' : 'https', data_dir: options.dataDir });
  if (options.dashboard !== undefined)
    logger.info('dashboard at', {
      url: `${tls === undefined ? 'http' : 'https'}://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}/dashboard/`,
      access: options.dashboard.token === undefined ? 'loopback, no token' : 'token',
    });
  if (tls?.caPath !== undefined) logger.info('serving TLS with a certificate of the collector CA; clients trust it with', { ca: tls.caPath });
  const summary = startActivitySummary({ metrics, logger, intervalMs: options.summaryIntervalMs ?? DEFAULT_SUMMARY_INTERVAL_MS, forwarding: forwarder !== undefined });
  return {
    address,
    metrics,
    close: async () => {
      summary.stop();
      server.close();
      server.closeAllConnections();
      await upkeep.close();
      await store.close();
      await forwarder?.close();
      await fleet?.close();
      await shipping?.close();
    },
  };
}
