/**
 * The tbot.start event, in the Machine ID usage-metrics vocabulary, built by a pure function from
 * the config and the environment. Only counts, enums and vetted helper strings make it in.
 */
import type { BotConfig, OutputKind } from '../config/types.js';
import type { TbotStartEvent } from '../protocol/tbot-wire.js';
import { validateHelperName, validateHelperVersion, type Validator } from '../schemas/validators.js';
import { ENV, type Env } from './env.js';

export interface BuiltEvent {
  event: TbotStartEvent;
  /** Why an input was left out; logged at debug level, never sent. */
  dropped: readonly string[];
}

/** Accepts a helper string only if the wire schema's allow-list would (see schemas/tbot-event.schema.json). */
function vetHelper(name: string, value: string | undefined, allowed: Validator, dropped: string[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (allowed(value)) return value;
  // The value itself is not echoed: it failed precisely because it may identify someone.
  dropped.push(`${name} dropped: ${value.length} characters that are not one of the allowed helper shapes`);
  return undefined;
}

export function buildStartEvent(config: BotConfig, env: Env, version: string): BuiltEvent {
  const dropped: string[] = [];
  const count = (...types: OutputKind[]): number => config.outputs.filter((output) => types.includes(output.type)).length;
  const helper = vetHelper(ENV.helper, env[ENV.helper], validateHelperName, dropped);
  const helperVersion = vetHelper(ENV.helperVersion, env[ENV.helperVersion], validateHelperVersion, dropped);
  return {
    event: {
      run_mode: config.oneshot ? 'one-shot' : 'continuous',
      version,
      join_type: config.joinMethod,
      ...(helper === undefined ? {} : { helper }),
      ...(helperVersion === undefined ? {} : { helper_version: helperVersion }),
      destinations_configured: config.outputs.length,
      destinations_configured_database_access: count('database'),
      // Both kubeconfig outputs count as Kubernetes access; every other new kind is in the total only.
      destinations_configured_kubernetes_access: count('kubernetes', 'kubernetes/v2'),
      destinations_configured_application_access: count('application'),
    },
    dropped,
  };
}
