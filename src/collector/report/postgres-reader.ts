/**
 * A large report over PostgreSQL read on a worker thread (the reader) instead of the main thread,
 * so that reading the rows runs in a small young generation.
 *
 * Why: V8 widens a thread's young generation as objects survive collections, up to 16 MB a
 * semi-space on the main thread, and reading a million rows through pg (each page's rows alive
 * until the page is complete) widened it: the main thread's heap reached 48 MB (20 MB of it
 * unused) for a report whose tally is a few kilobytes. A worker's young generation is bounded by
 * its resource limits; the reader's (READER_YOUNG_GENERATION_MB), with pages of PAGE_ROWS rows,
 * kept the heap of the thread reading a million rows at 16 MB. The reader folds as the main thread
 * did (with the line-fold workers it starts), then posts its tally, which is merged here into a
 * fresh one (as every part is: see mergeParts).
 */
import { Worker } from 'node:worker_threads';
import { PostgresError } from '../store/postgres/pool.js';
import type { StoreUrl } from '../store/postgres/store-url.js';
import { type Fold, mergeParts } from './fold.js';
import type { ReportWindow } from './window.js';

/** What the reader is started with (plain data, for workerData). */
export interface ReaderTask {
  family: string;
  store: StoreUrl;
  /** A tally per window, in one pass (see postgres-scan.ts). */
  windows: ReportWindow[];
  options: unknown;
  /** Threads folding, the reader included. */
  workers: number;
}

/** A failure, as data: an error's class does not cross threads, and a PostgresError's fields matter (exit code, unreachable). */
export interface ReaderFailure {
  message: string;
  postgres?: { code: string; unreachable: boolean };
}

export type ReaderReply<R> = { parts: R[] } | { failure: ReaderFailure };

/** Semi-spaces of 2 MB: pages of a few hundred rows die young there, and a wider one only holds garbage longer. */
const READER_YOUNG_GENERATION_MB = 6;

export function failureOf(error: unknown): ReaderFailure {
  if (error instanceof PostgresError) return { message: error.message, postgres: { code: error.code, unreachable: error.unreachable } };
  return { message: error instanceof Error ? error.message : String(error) };
}

const errorOf = (failure: ReaderFailure): Error =>
  failure.postgres === undefined ? new Error(failure.message) : new PostgresError(failure.message, failure.postgres.code, failure.postgres.unreachable);

/** Runs the report on a reader thread (readerUrl: dist/tbot-collector-postgres-reader.mjs) and resolves with its tally per window. */
export async function reportOnReader<R>(fold: Fold<R>, readerUrl: URL, task: ReaderTask): Promise<R[]> {
  const reader = new Worker(readerUrl, { workerData: task, resourceLimits: { maxYoungGenerationSizeMb: READER_YOUNG_GENERATION_MB } });
  const reply = await new Promise<ReaderReply<R>>((resolve, reject) => {
    reader.once('message', resolve);
    reader.once('error', reject);
    reader.once('exit', (code) => reject(new Error(`report reader exited ${code} without a tally`)));
  }).finally(() => void reader.terminate());
  if ('failure' in reply) throw errorOf(reply.failure);
  return task.windows.map((window, index) => mergeParts(fold, window, task.options, [reply.parts[index]!]));
}
