/**
 * The connection to the shared PostgreSQL store: a pg.Pool opened from a postgres:// URL, small and
 * with every wait bounded (connecting, each statement, idle connections), and PostgreSQL's failures
 * turned into typed errors. No message made here ever holds the URL's password: it is replaced in
 * the URL we show, and cut out of any error text that would repeat it.
 */
import pg from 'pg';
import { TbotError } from '../../../errors.js';
import type { StoreUrl } from './store-url.js';

export interface PoolLimits {
  /** Connections at most (one shipper and one forwarder need two or three). */
  max: number;
  /** How long opening a connection may take before it counts as unreachable. */
  connectTimeoutMs: number;
  /** How long one statement may run on the server (statement_timeout) and be waited for here. */
  statementTimeoutMs: number;
  /** An unused connection is closed after this. */
  idleTimeoutMs: number;
}

export const DEFAULT_POOL_LIMITS: PoolLimits = { max: 4, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000, idleTimeoutMs: 30_000 };

/**
 * PostgreSQL failed or could not be reached. `code` is PostgreSQL's SQLSTATE (e.g. 57P01) or the
 * system's error code (ECONNREFUSED); `unreachable` says whether the connection itself failed, as
 * opposed to a statement.
 */
export class PostgresError extends TbotError {
  readonly exitCode = 1;
  override name = 'PostgresError';
  constructor(
    message: string,
    readonly code: string,
    readonly unreachable: boolean,
  ) {
    super(message);
  }
}

/** System error codes that mean the server could not be reached (or went away). */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ENOENT']);
/**
 * SQLSTATE classes and codes that mean the connection or the server is gone, not that the statement
 * was wrong: 08 (connection exception), 57P01-57P03 (shutdown, crash, cannot connect now), 53
 * (insufficient resources, e.g. too many connections).
 */
const UNREACHABLE_SQLSTATE = /^(08|57P0[123]|53)/;

/**
 * Any error from pg (or the socket under it) as a PostgresError, with the password, if any, cut
 * out of the text. pg's own texts for a lost connection ("Connection terminated unexpectedly",
 * "timeout exceeded when trying to connect") carry no code; they count as unreachable.
 */
export function toPostgresError(error: unknown, store: StoreUrl): PostgresError {
  if (error instanceof PostgresError) return error;
  const raw = error as { code?: unknown; message?: unknown };
  const code = typeof raw.code === 'string' ? raw.code : '';
  let text = typeof raw.message === 'string' ? raw.message : String(error);
  if (store.password !== undefined && store.password !== '') text = text.split(store.password).join('***');
  const lostConnection = /Connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error/i.test(text);
  const unreachable = UNREACHABLE_CODES.has(code) || UNREACHABLE_SQLSTATE.test(code) || (code === '' && lostConnection);
  return new PostgresError(`PostgreSQL at ${store.shown}: ${text}${code === '' ? '' : ` (${code})`}`, code || (unreachable ? 'unreachable' : 'unknown'), unreachable);
}

/**
 * Opens a pool (no connection is made until the first query). An idle connection that dies (the
 * server restarts) is dropped by pg and reported on the pool's 'error' event; without a listener
 * that event would end the process, so it goes to `onIdleError` instead.
 */
export function openPool(store: StoreUrl, limits: PoolLimits = DEFAULT_POOL_LIMITS, onIdleError: (error: PostgresError) => void = () => undefined): pg.Pool {
  const pool = new pg.Pool({
    connectionString: store.url,
    max: limits.max,
    connectionTimeoutMillis: limits.connectTimeoutMs,
    idleTimeoutMillis: limits.idleTimeoutMs,
    statement_timeout: limits.statementTimeoutMs,
    // A little past the server's own limit: the server's cancel is the usual end, this the backstop.
    query_timeout: limits.statementTimeoutMs + 5_000,
    application_name: 'tbot-collector',
    keepAlive: true,
  });
  pool.on('error', (error) => onIdleError(toPostgresError(error, store)));
  return pool;
}

/** Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out connection that dies between statements (a server shutting down) emits 'error'
  // with no query to reject; unheard, that event would end the process. The next statement fails
  // anyway, and the connection is released as broken.
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A failed ROLLBACK means the connection is unusable: release it as broken, so the pool drops it.
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
