/**
 * The store URL (--store or TBOT_COLLECTOR_STORE), checked before anything starts, and the forms of
 * it that may be shown: with the password replaced, and as host:port/database. Apart from pool.ts
 * so that checking a URL never loads the PostgreSQL client.
 */
import { TbotError } from '../../../errors.js';

/** The store URL is not a usable postgres:// URL. Says why without echoing it (it may hold a password). */
export class StoreUrlError extends TbotError {
  readonly exitCode = 2;
  override name = 'StoreUrlError';
}

export interface StoreUrl {
  /** The URL as given, password included: only ever handed to pg. */
  url: string;
  /** The URL with its password replaced by ***, for logs and messages. */
  shown: string;
  /** host:port/database, which names the store in the shipper's cursor (no user, no password). */
  identity: string;
  /** The password, when the URL carries one (to cut it out of error texts). */
  password?: string;
}

/**
 * Checks a store URL: postgres:// or postgresql://, with a host (or a socket directory in ?host=)
 * and a database. `source` names where it came from (--store, or the env var) for the message.
 */
export function parseStoreUrl(text: string, source: string): StoreUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StoreUrlError(`${source}: not a URL; expected postgres://user@host:5432/database`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new StoreUrlError(`${source}: the scheme is ${JSON.stringify(url.protocol.slice(0, -1).slice(0, 20))}; expected postgres://user@host:5432/database`);
  const socketDir = url.searchParams.get('host');
  if (url.hostname === '' && (socketDir === null || socketDir === '')) throw new StoreUrlError(`${source}: no host; expected postgres://user@host:5432/database`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) throw new StoreUrlError(`${source}: no database name; expected postgres://user@host:5432/database`);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const shownUrl = new URL(url.href);
  if (password !== undefined) shownUrl.password = '***';
  const host = url.hostname === '' ? socketDir : url.host;
  return { url: text, shown: shownUrl.href, identity: `${host}/${database}`, ...(password === undefined ? {} : { password }) };
}
