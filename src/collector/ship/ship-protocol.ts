/**
 * The messages between the thread that serves ingest and the ship worker (ship-worker.ts). Plain
 * data only: errors travel as their name and message (and, for a schema too new, its versions, so
 * the serving thread can refuse to start with the same typed error).
 */
import type { LogFields, LogLevel } from '../../log/logger.js';
import type { DeadLetterReason } from '../store/dead-letter.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import type { OutboxState } from './shipper.js';

/** What the worker is started with (workerData). */
export interface ShipWorkerData {
  store: StoreUrl;
  dataDir: string;
}

export interface SentError {
  name: string;
  message: string;
  /** SchemaTooNewError's versions. */
  schema?: { databaseVersion: number; knownVersion: number };
}

export type ToShipWorker = { kind: 'notify'; mark: number } | { kind: 'drop'; id: number; cutoffMs: number } | { kind: 'close' };

export type FromShipWorker =
  | { kind: 'started' }
  | { kind: 'failed'; error: SentError }
  | { kind: 'state'; state: OutboxState }
  | { kind: 'log'; level: LogLevel; message: string; fields?: LogFields }
  | { kind: 'dead-lettered'; reason: DeadLetterReason }
  | { kind: 'dropped'; id: number; months?: string[]; error?: SentError }
  | { kind: 'closed' };
