/**
 * The --store option (or TBOT_COLLECTOR_STORE, which keeps a password out of `ps`): the shared
 * PostgreSQL store's URL, checked before anything starts. Checking it never loads the client.
 */
import type { Options } from 'yargs';
import type { CollectorRuntime } from '../runtime.js';
import { parseStoreUrl, type StoreUrl } from '../store/postgres/store-url.js';

export const ENV_STORE = 'TBOT_COLLECTOR_STORE';

export function storeOption(describe: string): Options {
  return { type: 'string', requiresArg: true, describe: `${describe} (env ${ENV_STORE}, which keeps a password out of ps)` };
}

/** The flag over the env var; undefined when neither is given (or the env var is empty). */
export function resolveStore(flag: string | undefined, env: CollectorRuntime['env']): StoreUrl | undefined {
  if (flag !== undefined) return parseStoreUrl(flag, '--store');
  const text = env[ENV_STORE];
  return text === undefined || text === '' ? undefined : parseStoreUrl(text, ENV_STORE);
}
