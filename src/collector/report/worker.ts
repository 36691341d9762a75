/** Entry point of a report worker thread (bundled as dist/tbot-collector-report-worker.mjs). */
import { parentPort, workerData } from 'node:worker_threads';
import { scan, type ScanTask } from './fold.js';
import { FOLDS } from './folds.js';

const task = workerData as ScanTask;
const fold = FOLDS[task.family as keyof typeof FOLDS];
if (fold === undefined) throw new Error(`no report fold for family ${JSON.stringify(task.family)}`);
void scan(fold, task).then((parts) =>
  parentPort?.postMessage(
    parts,
    parts.flatMap((part) => fold.transfer?.(part) ?? []),
  ),
);
