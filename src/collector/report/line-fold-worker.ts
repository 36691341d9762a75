/**
 * Entry point of a line-folding worker thread (bundled as dist/tbot-collector-line-fold-worker.mjs):
 * folds the pages of stored lines it is sent, says when each is done (so the sender can keep a
 * bounded number in flight), and posts its part when told the lines have ended. It reads nothing
 * itself: a report over PostgreSQL reads the rows on the main thread, where one connection and one
 * cursor serve every worker (a PostgreSQL client in each worker took some 45 MB of RSS apiece).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type FoldTarget, foldLineInto } from './fold.js';
import { FOLDS } from './folds.js';
import type { LineFoldMessage, LineFoldReply, LineFoldTask } from './line-folders.js';
import { forEachLine, linePageBuffers } from './line-page.js';

const task = workerData as LineFoldTask;
const fold = FOLDS[task.family as keyof typeof FOLDS];
if (fold === undefined) throw new Error(`no report fold for family ${JSON.stringify(task.family)}`);
const reports = task.windows.map((window) => fold.empty(window, task.options));
const port = parentPort!;
port.on('message', (message: LineFoldMessage) => {
  if (message.page !== undefined) {
    const page = message.page;
    const targets: FoldTarget<unknown>[] = (message.targets ?? []).map((index) => ({ report: reports[index], since: task.windows[index]!.since }));
    forEachLine(page, (line) => foldLineInto(fold, targets, task.family, line));
    port.postMessage({ folded: page } satisfies LineFoldReply<unknown>, linePageBuffers(page));
    return;
  }
  port.postMessage(
    { part: reports } satisfies LineFoldReply<unknown>,
    reports.flatMap((report) => fold.transfer?.(report) ?? []),
  );
  port.close();
});
