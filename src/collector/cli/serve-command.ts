/** `tbot-collector serve`: the ingestion endpoint over the durable store, with optional PostHog forwarding. */
import { once } from 'node:events';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { TbotError, UsageError } from '../../errors.js';
import { DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, type ConnectPath } from '../ingest/server.js';
import type { CollectorRuntime } from '../runtime.js';
import { collectorLogger, ENV_STORE, resolvePostHog, resolveStore, serve, type RunningCollector } from '../serve.js';
import { sanProblem, type TlsServeOptions } from '../tenants/server-tls.js';
import { dataDirOption } from './data-dir-option.js';

interface ServeArgs {
  listen: string;
  dataDir: string;
  posthogHost?: string;
  posthogApiKey?: string;
  maxConnectionsPerAddress?: string;
  tls?: boolean;
  tlsSan?: string[];
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  store?: string;
}

export const ENV_CONNECT_PATH = 'TBOT_COLLECTOR_CONNECT_PATH';

/** --tls and its companions; undefined means plain HTTP (HTTP/1.1 and h2c). */
export function resolveTls(args: Pick<ServeArgs, 'tls' | 'tlsSan' | 'tlsCert' | 'tlsKey' | 'clientCa'>): TlsServeOptions | undefined {
  const sans = args.tlsSan ?? [];
  const wantsTls = args.tls === true || args.tlsCert !== undefined || args.tlsKey !== undefined;
  if (!wantsTls) {
    if (sans.length > 0) throw new UsageError('--tls-san needs --tls');
    if (args.clientCa !== undefined) throw new UsageError('--client-ca needs --tls');
    return undefined;
  }
  if ((args.tlsCert === undefined) !== (args.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  for (const name of sans) {
    const problem = sanProblem(name);
    if (problem !== undefined) throw new UsageError(`--tls-san ${JSON.stringify(name)}: ${problem}`);
  }
  if (args.tlsCert !== undefined && sans.length > 0) throw new UsageError("--tls-san names go into the collector CA's certificate; with --tls-cert, put them in your own");
  const clientCa = args.clientCa === undefined ? {} : { clientCaFile: args.clientCa };
  if (args.tlsCert !== undefined && args.tlsKey !== undefined) return { source: { kind: 'files', certFile: args.tlsCert, keyFile: args.tlsKey }, ...clientCa };
  return { source: { kind: 'own-ca', sans }, ...clientCa };
}

/** An internal switch for the conformance tests and benches: which implementation answers Connect unary calls. */
export function resolveConnectPath(env: CollectorRuntime['env']): ConnectPath | undefined {
  const value = env[ENV_CONNECT_PATH];
  if (value === undefined || value === '') return undefined;
  if (value !== 'builtin' && value !== 'connect-node') throw new UsageError(`${ENV_CONNECT_PATH} ${JSON.stringify(value)}: expected builtin or connect-node`);
  return value;
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
    describe: 'Receive events (Connect, gRPC and gRPC-Web; JSON or binary protobuf; HTTP/1.1 and HTTP/2) and store them durably',
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
        })
        .option('tls', { type: 'boolean', describe: 'Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with a certificate from the collector CA in <data-dir>/tls, created on first use' })
        .option('tls-san', {
          type: 'string',
          array: true,
          requiresArg: true,
          describe: 'Another DNS name or IP address for the server certificate (repeatable); localhost, 127.0.0.1 and ::1 are always in',
        })
        .option('tls-cert', { type: 'string', requiresArg: true, describe: 'Your own server certificate (PEM) instead of one from the collector CA; implies --tls' })
        .option('tls-key', { type: 'string', requiresArg: true, describe: 'The private key (PEM) of --tls-cert' })
        .option('store', {
          type: 'string',
          requiresArg: true,
          describe: `Also ship every stored event to this PostgreSQL (postgres://user@host:5432/database), exactly once by event uuid; prefer env ${ENV_STORE}, which keeps a password out of ps`,
        })
        .option('client-ca', {
          type: 'string',
          requiresArg: true,
          describe: 'Also trust tenant client certificates this CA (PEM) issued; the tenant is the certificate CN',
        }) as unknown as Argv<ServeArgs>,
    handler: async (args: ArgumentsCamelCase<ServeArgs>) => {
      const { host, port } = parseListen(args.listen);
      const posthog = resolvePostHog(args, runtime.env);
      const maxConnectionsPerAddress = resolveMaxConnectionsPerAddress(args.maxConnectionsPerAddress, runtime.env);
      const tls = resolveTls(args);
      const connectPath = resolveConnectPath(runtime.env);
      const logger = collectorLogger(runtime);
      const store = resolveStore(args.store, runtime.env, (message) => logger.warn(message));
      const stop = runtime.stopSignal();
      let running: RunningCollector;
      try {
        running = await serve(
          {
            host,
            port,
            dataDir: args.dataDir,
            maxConnectionsPerAddress,
            ...(posthog === undefined ? {} : { posthog }),
            ...(tls === undefined ? {} : { tls }),
            ...(connectPath === undefined ? {} : { connectPath }),
            ...(store === undefined ? {} : { store }),
          },
          runtime,
          logger,
        );
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
