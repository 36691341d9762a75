/** What `start`, `configure` and `analytics` share: a command line → config source, flags, config, consent and logger. */
import { resolveConsent, type Consent } from '../analytics/consent.js';
import { FLAG_NAMES, type ConfigFlags, type ScalarFlag } from '../config/flag-overrides.js';
import { JoinUriError, parseJoinUri } from '../config/join-uri.js';
import type { ConfigSource } from '../config/load-config.js';
import type { BotConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { createLogger, type LogFormat, type Logger } from '../log/logger.js';
import type { CommandDef, Invocation } from './command-types.js';
import { entryFromFlags } from './flag-entry.js';
import { reportFatal } from './report-error.js';
import type { Runtime } from './runtime.js';

/** `-c`/TBOT_CONFIG_PATH or `--config-string`/TBOT_CONFIG; both at once is a usage error, as in tbot. */
export function configSource(invocation: Invocation): ConfigSource | undefined {
  const path = invocation.values['config'];
  const base64 = invocation.values['config-string'];
  if (typeof path === 'string' && typeof base64 === 'string') {
    throw new UsageError(`a config file (${invocation.labels['config']}) and a base64 config (${invocation.labels['config-string']}) cannot both be given`);
  }
  if (typeof path === 'string') return { kind: 'file', path };
  if (typeof base64 === 'string') return { kind: 'base64', label: invocation.fromEnv['config-string'] ?? '--config-string', text: base64 };
  return undefined;
}

/** A --join-uri tbot would refuse is a usage error (exit 2), as kingpin's flag check makes it there. */
function checkJoinUri(invocation: Invocation): void {
  const text = invocation.values['join-uri'];
  if (typeof text !== 'string') return;
  try {
    parseJoinUri(text);
  } catch (error) {
    if (error instanceof JoinUriError) throw new UsageError(`${invocation.labels['join-uri'] ?? '--join-uri'}: ${error.message}`);
    throw error;
  }
}

export function configFlags(command: CommandDef, invocation: Invocation): ConfigFlags {
  checkJoinUri(invocation);
  const flags: Record<string, unknown> = {};
  const labels: Partial<Record<ScalarFlag, string>> = {};
  for (const [key, dashed] of Object.entries(FLAG_NAMES) as [ScalarFlag, string][]) {
    const name = dashed.slice(2);
    const value = invocation.values[name];
    if (value === undefined) continue;
    flags[key] = key === 'caPins' ? [value].flat() : value;
    const label = invocation.labels[name];
    if (label !== undefined) labels[key] = label;
  }
  const entry = entryFromFlags(command, invocation);
  return { ...(flags as ConfigFlags), labels, ...(entry === undefined ? {} : { entries: [entry] }) };
}

export interface Resolved {
  config: BotConfig;
  consent: Consent;
}

/**
 * Whether the command line (or env) gives the config anything: a config source, or a flag that
 * sets a key or adds an entry. Without any, the config is the defaults, which always load, so a
 * command that only needs consent (`analytics status`) can skip loading the config machinery
 * (YAML, the schema validators). Reads the values only: never throws.
 */
export function hasConfigInput(command: CommandDef, invocation: Invocation): boolean {
  if (invocation.values['config'] !== undefined || invocation.values['config-string'] !== undefined) return true;
  if (Object.values(FLAG_NAMES).some((dashed) => invocation.values[dashed.slice(2)] !== undefined)) return true;
  return command.entryType !== undefined;
}

/** Consent from the env, the flag and the config's own key (when there is a config). */
export function consentFor(invocation: Invocation, runtime: Runtime, config?: BotConfig): Consent {
  const flag = invocation.values['anonymous-analytics'];
  return resolveConsent({
    env: runtime.env,
    ...(typeof flag === 'boolean' ? { flag } : {}),
    ...(config?.anonymousAnalytics === undefined ? {} : { config: config.anonymousAnalytics }),
  });
}

/** Loads the config (file + flags + env) and decides consent. Throws ConfigError / ConfigReadError / UsageError. */
export async function resolveConfigAndConsent(command: CommandDef, invocation: Invocation, runtime: Runtime): Promise<Resolved> {
  const source = configSource(invocation);
  const { loadConfig } = await import('../config/load-config.js');
  const config = await loadConfig({
    ...(source === undefined ? {} : { source }),
    flags: configFlags(command, invocation),
    cwd: runtime.cwd,
    readFile: runtime.readFile,
    realPath: runtime.realPath,
  });
  return { config, consent: consentFor(invocation, runtime, config) };
}

/** resolveConfigAndConsent for a command's handler: a fatal error is reported on stderr and becomes the exit code. */
export async function resolveOrReport(command: CommandDef, invocation: Invocation, runtime: Runtime): Promise<Resolved | { exitCode: number }> {
  try {
    return await resolveConfigAndConsent(command, invocation, runtime);
  } catch (error) {
    return { exitCode: reportFatal(error, runtime.stderr) };
  }
}

export function loggerFor(debug: boolean, invocation: Invocation, runtime: Runtime): Logger {
  return createLogger({
    level: debug ? 'debug' : 'info',
    format: (invocation.values['log-format'] ?? 'text') as LogFormat,
    write: runtime.stderr,
    now: runtime.now,
    // Go tbot's own component name, so JSON log pipelines see the lines they know.
    component: 'tbot',
  });
}
