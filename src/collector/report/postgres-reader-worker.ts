/**
 * Entry point of the reader thread of a large report over PostgreSQL (bundled as
 * dist/tbot-collector-postgres-reader.mjs; see postgres-reader.ts for why the rows are read here):
 * runs the report with its own line-fold workers and posts the tally, its buffers transferred, or
 * the failure as data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FOLDS } from './folds.js';
import { failureOf, type ReaderReply, type ReaderTask } from './postgres-reader.js';
import { reportsFromPostgres } from './postgres-scan.js';
import { LINE_FOLD_WORKER } from './worker-url.js';

const task = workerData as ReaderTask;
const port = parentPort!;
try {
  const fold = FOLDS[task.family as keyof typeof FOLDS];
  if (fold === undefined) throw new Error(`no report fold for family ${JSON.stringify(task.family)}`);
  const parts = await reportsFromPostgres(fold, task.family, task.store, task.windows, task.options, {
    workers: task.workers,
    ...(LINE_FOLD_WORKER === undefined ? {} : { workerUrl: LINE_FOLD_WORKER }),
  });
  port.postMessage(
    { parts } satisfies ReaderReply<unknown>,
    parts.flatMap((part) => fold.transfer?.(part) ?? []),
  );
} catch (error) {
  port.postMessage({ failure: failureOf(error) } satisfies ReaderReply<unknown>);
}
