/**
 * The tbot.start event, in the Machine ID usage-metrics vocabulary, built by a pure function from
 * the config and the environment. Only counts, enums and vetted helper strings make it in.
 */
import type { BotConfig, OutputKind } from '../config/types.js';
import type { TbotStartEvent } from '../protocol/tbot-wire.js';
import { ENV, type Env } from './env.js';
import { droppedHelpers } from './helper-check.js';

export interface BuiltEvent {
  event: TbotStartEvent;
  /** Why an input was left out; logged at debug level, never sent. */
  dropped: readonly string[];
}

export function buildStartEvent(config: BotConfig, env: Env, version: string): BuiltEvent {
  const refused = droppedHelpers(env);
  // The value itself is not logged: it failed precisely because it may identify someone.
  const dropped = refused.map((item) => `${item.name} dropped: ${item.value.length} characters that are not one of the allowed helper shapes`);
  const count = (...types: OutputKind[]): number => config.outputs.filter((output) => types.includes(output.type)).length;
  // A value is sent only as set, and only when the wire schema's allow-list takes it (helper-check.ts).
  const sent = (name: string): string | undefined => (env[name] === '' || refused.some((item) => item.name === name) ? undefined : env[name]);
  const helper = sent(ENV.helper);
  const helperVersion = sent(ENV.helperVersion);
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
