/** The flags shared by `start`, `analytics status` and `analytics preview`, and what they resolve to. */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { resolveConsent, type Consent } from '../analytics/consent.js';
import type { ConfigFlags } from '../config/flag-overrides.js';
import { loadConfig } from '../config/load-config.js';
import type { BotConfig } from '../config/types.js';
import { createLogger, type LogFormat, type Logger } from '../log/logger.js';
import type { Runtime } from './runtime.js';

export interface ConfigArgs extends ConfigFlags {
  config?: string;
  anonymousAnalytics?: boolean;
  debug?: boolean;
  logFormat?: string;
}

const STRING_FLAGS = ['config', 'join-method', 'token', 'proxy-server', 'data-dir', 'destination-dir', 'credential-ttl', 'renewal-interval', 'log-format'] as const;

export function withConfigOptions<T>(yargs: Argv<T>): Argv<T & ConfigArgs> {
  return yargs
    .strict()
    .option('config', { alias: 'c', type: 'string', describe: 'Path to a tbot v2 YAML config file', requiresArg: true })
    .option('oneshot', { type: 'boolean', describe: 'Renew once and exit (CI); default is to run continuously' })
    .option('join-method', { type: 'string', describe: 'How the bot joins the cluster (token, github, iam, ...)', requiresArg: true })
    .option('token', { type: 'string', describe: 'Join token name or secret', requiresArg: true })
    .option('proxy-server', { type: 'string', describe: 'Teleport proxy address, host:port', requiresArg: true })
    .option('data-dir', { type: 'string', describe: 'Directory for the bot\'s internal storage', requiresArg: true })
    .option('destination-dir', { type: 'string', describe: 'Add an identity output writing to this directory', requiresArg: true })
    .option('credential-ttl', { type: 'string', describe: 'Lifetime of issued credentials, e.g. 1h', requiresArg: true })
    .option('renewal-interval', { type: 'string', describe: 'How often to renew, e.g. 20m (< credential-ttl)', requiresArg: true })
    .option('anonymous-analytics', { type: 'boolean', describe: 'Opt in to (or, with --no-, out of) anonymous usage analytics' })
    .option('debug', { alias: 'd', type: 'boolean', describe: 'Log at debug level' })
    .option('log-format', { type: 'string', choices: ['text', 'json'], describe: 'Log line format', requiresArg: true })
    .check((argv) => {
      for (const flag of STRING_FLAGS) {
        if (Array.isArray(argv[flag])) throw new UsageError(`--${flag} was given more than once`);
      }
      return true;
    }) as unknown as Argv<T & ConfigArgs>;
}

export function loggerFor(args: ConfigArgs, runtime: Runtime): Logger {
  return createLogger({
    level: args.debug === true ? 'debug' : 'info',
    format: (args.logFormat ?? 'text') as LogFormat,
    write: runtime.stderr,
    now: runtime.now,
  });
}

const CONFIG_FLAG_KEYS = [
  'oneshot', 'joinMethod', 'token', 'proxyServer', 'dataDir', 'destinationDir', 'credentialTtl', 'renewalInterval',
] as const satisfies readonly (keyof ConfigFlags & keyof ConfigArgs)[];

function configFlags(args: ConfigArgs): ConfigFlags {
  return Object.fromEntries(CONFIG_FLAG_KEYS.filter((key) => args[key] !== undefined).map((key) => [key, args[key]])) as ConfigFlags;
}

export interface Resolved {
  config: BotConfig;
  consent: Consent;
}

/** Loads the config (file + flags) and decides consent. Throws ConfigError / ConfigReadError. */
export async function resolveConfigAndConsent(args: ConfigArgs, runtime: Runtime): Promise<Resolved> {
  const config = await loadConfig({
    ...(args.config === undefined ? {} : { file: args.config }),
    flags: configFlags(args),
    cwd: runtime.cwd,
    readFile: runtime.readFile,
    realPath: runtime.realPath,
  });
  const consent = resolveConsent({
    env: runtime.env,
    ...(args.anonymousAnalytics === undefined ? {} : { flag: args.anonymousAnalytics }),
    ...(config.anonymousAnalytics === undefined ? {} : { config: config.anonymousAnalytics }),
  });
  return { config, consent };
}
