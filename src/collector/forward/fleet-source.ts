/**
 * The forwarder's source in a fleet: the shared collector_events table, read only by the one
 * instance that holds the forwarder's advisory lock. Every instance runs a forwarder over this
 * source; the others find no lines (and try the lock again every few seconds), so exactly one of
 * them posts to PostHog at a time, and another takes over within seconds of its death.
 *
 * The lock is session-level, taken on one dedicated connection, and every read and mark runs in a
 * transaction on that same connection: the rows are only ever read by the session that holds the
 * lock, and when that session ends (the process died, the connection broke), PostgreSQL releases
 * the lock and rolls the open transaction back in the same instant. A batch's rows are claimed
 * with FOR UPDATE SKIP LOCKED and marked (forwarded_at) only after PostHog's 200, in the same
 * transaction; an instance that dies between the 200 and the commit leaves them unmarked, and the
 * next holder sends the same uuids again, which PostHog drops.
 */
import type pg from 'pg';
import type { Logger } from '../../log/logger.js';
import { ADVISORY_LOCKS } from '../store/postgres/migrations.js';
import { toPostgresError } from '../store/postgres/pool.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import type { ForwardSource, SourceLine } from './forward-source.js';

/** How often an instance without the lock asks for it again. */
export const LOCK_RETRY_MS = 2_000;

interface FleetLine extends SourceLine {
  uuid: string;
  /** The row's partition key, so that marking it touches one partition. */
  month: string;
}

export interface FleetSourceOptions {
  pool: pg.Pool;
  store: StoreUrl;
  logger: Logger;
  lockRetryMs?: number;
  /** Told whenever this instance takes or loses the lock (for /metrics). */
  onLockChange?: (held: boolean) => void;
}

/** The lock's key as pg_locks shows a bigint advisory lock: its high and low 32 bits. */
const LOCK_KEY = ADVISORY_LOCKS.forwarder;
const LOCK_CLASSID = Number(LOCK_KEY >> 32n);
const LOCK_OBJID = Number(LOCK_KEY & 0xffff_ffffn);

export class FleetSource implements ForwardSource<FleetLine> {
  readonly announced = false;
  /** The dedicated session; the lock is held exactly while this is set. */
  private session: pg.PoolClient | undefined;
  private nextAttempt = 0;
  private inTransaction = false;
  private closed = false;

  constructor(private readonly options: FleetSourceOptions) {}

  /** Whether this instance is the fleet's forwarder now. */
  get holdsLock(): boolean {
    return this.session !== undefined;
  }

  /** The count of unforwarded rows is the holder's business; the others report none. */
  async open(): Promise<number> {
    return 0;
  }

  async read(limit: number): Promise<FleetLine[]> {
    const session = await this.lockedSession();
    if (session === undefined) return [];
    try {
      await session.query('BEGIN');
      this.inTransaction = true;
      // The session holds the lock unless something reset it: asked again before every batch,
      // so that a batch is never read by an instance that is not the fleet's forwarder.
      const held = await session.query<{ held: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND classid = $1 AND objid = $2 AND objsubid = 1) AS held",
        [LOCK_CLASSID, LOCK_OBJID],
      );
      if (held.rows[0]?.held !== true) {
        this.options.logger.warn('the PostHog forwarder lock is no longer held by this session; letting go');
        await this.drop();
        return [];
      }
      const { rows } = await session.query<{ uuid: string; month: string; line: string }>(
        `SELECT uuid::text AS uuid, to_char(month, 'YYYY-MM-DD') AS month, line FROM collector_events
          WHERE forwarded_at IS NULL ORDER BY received_at, uuid LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      return rows.map((row) => ({ uuid: row.uuid, month: row.month, line: row.line, origin: { store: 'postgres', uuid: row.uuid } }));
    } catch (error) {
      await this.drop(error);
      throw toPostgresError(error, this.options.store);
    }
  }

  /** Marks the rows and commits, which also unlocks whatever else the read claimed. */
  async done(lines: FleetLine[]): Promise<void> {
    const session = this.session;
    if (session === undefined || !this.inTransaction) throw new Error('the forwarder lock was lost before the batch could be marked');
    try {
      await session.query(
        `UPDATE collector_events AS events SET forwarded_at = now()
           FROM unnest($1::uuid[], $2::date[]) AS sent(uuid, month)
          WHERE events.uuid = sent.uuid AND events.month = sent.month AND events.forwarded_at IS NULL`,
        [lines.map((line) => line.uuid), lines.map((line) => line.month)],
      );
      await session.query('COMMIT');
      this.inTransaction = false;
    } catch (error) {
      await this.drop(error);
      throw toPostgresError(error, this.options.store);
    }
  }

  /** Never rejects: a connection that cannot even roll back is dropped, with the lock. */
  async release(): Promise<void> {
    if (this.session === undefined || !this.inTransaction) return;
    try {
      await this.session.query('ROLLBACK');
      this.inTransaction = false;
    } catch (error) {
      await this.drop(error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.release();
    const session = this.session;
    if (session === undefined) return;
    await session.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY.toString()]).catch(() => undefined);
    this.session = undefined;
    session.release();
    this.options.onLockChange?.(false);
  }

  /** The session holding the lock, taking it if it is free and it is time to try again. */
  private async lockedSession(): Promise<pg.PoolClient | undefined> {
    if (this.session !== undefined || this.closed) return this.session;
    const now = performance.now();
    if (now < this.nextAttempt) return undefined;
    this.nextAttempt = now + (this.options.lockRetryMs ?? LOCK_RETRY_MS);
    let client: pg.PoolClient;
    try {
      client = await this.options.pool.connect();
    } catch (error) {
      this.options.logger.warn('cannot reach PostgreSQL to ask for the PostHog forwarder lock; will try again', { error: toPostgresError(error, this.options.store).code });
      return undefined;
    }
    // A connection that breaks while idle says so here; without a listener the process would end.
    const onError = (error: Error): void => void this.drop(error);
    client.on('error', onError);
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LOCK_KEY.toString()]);
      if (rows[0]?.locked !== true || this.closed) {
        if (rows[0]?.locked === true) await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY.toString()]);
        client.off('error', onError);
        client.release();
        return undefined;
      }
    } catch (error) {
      client.off('error', onError);
      client.release(error as Error);
      this.options.logger.warn('cannot ask PostgreSQL for the PostHog forwarder lock; will try again', { error: toPostgresError(error, this.options.store).code });
      return undefined;
    }
    this.session = client;
    this.options.logger.info('took the PostHog forwarder lock: this instance forwards for the fleet');
    this.options.onLockChange?.(true);
    return client;
  }

  /** Gives up the session (and with it the lock and any open transaction): the pool destroys it. */
  private async drop(error?: unknown): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    this.session = undefined;
    this.inTransaction = false;
    this.nextAttempt = performance.now() + (this.options.lockRetryMs ?? LOCK_RETRY_MS);
    session.release(error instanceof Error ? error : new Error('forwarder lock given up'));
    this.options.logger.warn('lost the PostHog forwarder lock; another instance may take it', {
      ...(error === undefined ? {} : { error: toPostgresError(error, this.options.store).code }),
    });
    this.options.onLockChange?.(false);
  }
}
