/**
 * Entry point of a PostgreSQL report worker thread (bundled as
 * dist/tbot-collector-postgres-report-worker.mjs, apart from the segment worker so that a report
 * over segments never loads the PostgreSQL client): folds one range of rows, posts its part.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toPostgresError } from '../store/postgres/pool.js';
import { FOLDS } from './folds.js';
import { foldPostgresShare, type PostgresScanResult, type PostgresScanTask } from './postgres-scan.js';

const task = workerData as PostgresScanTask;
const fold = FOLDS[task.family as keyof typeof FOLDS];
if (fold === undefined) throw new Error(`no report fold for family ${JSON.stringify(task.family)}`);
foldPostgresShare(fold, task).then(
  (part) => parentPort?.postMessage({ part } satisfies PostgresScanResult<unknown>, fold.transfer?.(part) ?? []),
  (error: unknown) => {
    // The message already has the password cut out; the error's class is rebuilt on the other side.
    const { message, code, unreachable } = toPostgresError(error, task.store);
    parentPort?.postMessage({ failure: { message, code, unreachable } } satisfies PostgresScanResult<unknown>);
  },
);
