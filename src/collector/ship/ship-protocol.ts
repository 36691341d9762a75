/**
 * The messages between the thread that serves ingest and the ship worker (ship-worker.ts). Plain
 * data only: errors travel as their name and message (and, for a schema too new, its versions, so
 * the serving thread can refuse to start with the same typed error).
 */
import type { LogFields, LogLevel } from '../../log/logger.js';
import type { DeadLetterReason } from '../store/dead-letter.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import type { OutboxState } from './shipper.js';
import type { WrittenRange } from './written-memory.js';

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

/**
 * A notice: the running total of events acknowledged, the writes made since the last notice (each
 * run's buffer transferred), and whether some writes were not passed on (the worker then forgets
 * what it holds of them, and reads the disk).
 */
export interface ShipNotice {
  kind: 'notify';
  mark: number;
  written: WrittenRange[];
  lost: boolean;
}

export type ToShipWorker = ShipNotice | { kind: 'drop'; id: number; cutoffMs: number } | { kind: 'close' };

export type FromShipWorker =
  | { kind: 'started' }
  | { kind: 'failed'; error: SentError }
  | { kind: 'state'; state: OutboxState }
  | { kind: 'log'; level: LogLevel; message: string; fields?: LogFields }
  | { kind: 'dead-lettered'; reason: DeadLetterReason }
  | { kind: 'dropped'; id: number; months?: string[]; error?: SentError }
  | { kind: 'closed' };
