/**
 * Normalized configs built directly, for in-process tests: the defaults the loader would fill in,
 * so each test names only what it is about.
 */
import type { BotConfig, Destination, OutputConfig } from '../../src/config/types.js';

export const MEMORY: Destination = { type: 'memory' };

export function directory(path: string): Destination {
  return { type: 'directory', path, symlinks: 'try-secure', acls: 'off', readers: [] };
}

/** Distributes Omit over the union, so each kind keeps its own fields. */
type KindFields = OutputConfig extends infer T ? (T extends OutputConfig ? Omit<T, 'name' | 'destination' | 'roles' | 'lifetime'> : never) : never;

export interface OutputOptions {
  name?: string;
  destination?: Destination;
  roles?: readonly string[];
  lifetime?: { credentialTtlMs: number; renewalIntervalMs: number };
}

export function output(fields: KindFields, options: OutputOptions = {}): OutputConfig {
  const destination = options.destination ?? MEMORY;
  return {
    ...fields,
    name: options.name ?? `${fields.type} (${destination.type === 'directory' ? `directory ${destination.path}` : 'memory'})`,
    destination,
    roles: options.roles ?? [],
    lifetime: options.lifetime ?? { credentialTtlMs: 3_600_000, renewalIntervalMs: 1_200_000 },
  } as OutputConfig;
}

export function botConfig(overrides: Partial<BotConfig> = {}): BotConfig {
  return {
    joinMethod: 'token',
    storage: MEMORY,
    outputs: [],
    oneshot: true,
    debug: false,
    credentialTtlMs: 3_600_000,
    renewalIntervalMs: 1_200_000,
    warnings: [],
    runIssues: [],
    ...overrides,
  };
}
