/** Entry point of a report worker thread (bundled as dist/tbot-collector-report-worker.mjs). */
import { parentPort, workerData } from 'node:worker_threads';
import { scanTask, type ReportTask } from './report.js';

void scanTask(workerData as ReportTask).then((part) => parentPort?.postMessage(part));
