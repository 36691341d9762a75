/** Entry point of a report worker thread (bundled as dist/tbot-collector-report-worker.mjs). */
import { parentPort, workerData } from 'node:worker_threads';
import { scan, type ScanTask } from './fold.js';
import { FOLDS } from './folds.js';

const task = workerData as ScanTask;
void scan(FOLDS[task.family as keyof typeof FOLDS], task).then((part) => parentPort?.postMessage(part));
