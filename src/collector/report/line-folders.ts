/**
 * Worker threads that fold pages of stored lines offered to them, for a reader that has the lines
 * itself (a PostgreSQL cursor): a page goes to the worker with the fewest pages in flight, at most
 * MAX_PAGES_IN_FLIGHT each, so memory stays bounded and a slow worker gets less; when all are full
 * the reader folds it. Folds are order-free (their merges are exact), so which thread counts which
 * page does not change the tally.
 */
import { Worker } from 'node:worker_threads';
import { type LinePage, linePageBuffers, packLines } from './line-page.js';
import type { ReportWindow } from './window.js';

/** What a worker is started with (plain data, for workerData). */
export interface LineFoldTask {
  family: string;
  /** A tally per window (a report and the period it is compared with); each page says which it goes to. */
  windows: ReportWindow[];
  options: unknown;
}

/** To a worker: a page of lines (packed, transferred), or (no page) the end. */
export interface LineFoldMessage {
  page?: LinePage;
  /** The windows (their indexes in the task) whose tallies the page's lines are offered to. */
  targets?: number[];
}

/** From a worker: a page done (its buffers given back, for the next page), or its part at the end. */
export type LineFoldReply<R> = { folded: LinePage } | { part: R[] };

/** A page read while the worker folds the one before: enough to keep it busy, bounded. */
const MAX_PAGES_IN_FLIGHT = 2;
/** A small young generation keeps each worker's footprint flat; parsing garbage dies young anyway. */
const YOUNG_GENERATION_MB = 2;

interface Folder {
  worker: Worker;
  inFlight: number;
  part: Promise<unknown>;
}

export class LineFolders<R> {
  private readonly folders: Folder[];
  private failure: Error | undefined;
  /** Pages given back by the workers, to pack the next pages into; never more than were in flight. */
  private readonly spare: LinePage[] = [];

  constructor(workerUrl: URL, task: LineFoldTask, count: number) {
    this.folders = Array.from({ length: count }, () => {
      const worker = new Worker(workerUrl, { workerData: task, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
      const folder: Folder = { worker, inFlight: 0, part: Promise.resolve() };
      folder.part = new Promise((resolve, reject) => {
        let done = false;
        const fail = (error: Error): void => {
          if (done) return;
          this.failure ??= error;
          reject(error);
        };
        worker.on('message', (reply: LineFoldReply<R>) => {
          if (!('part' in reply)) {
            folder.inFlight -= 1;
            this.spare.push(reply.folded);
            return;
          }
          done = true;
          resolve(reply.part);
          // Its work is over: stopped rather than left to wind down (a loader hook, under a test
          // runner, can keep a finished worker and so the process alive).
          void worker.terminate();
        });
        worker.once('error', fail);
        worker.once('exit', (code) => (code === 0 ? undefined : fail(new Error(`report worker exited ${code}`))));
      });
      // Seen through finish() or offer(); never an unhandled rejection meanwhile.
      folder.part.catch(() => undefined);
      return folder;
    });
  }

  /**
   * Hands a page to the least busy worker if one has room; false when every one is full, and the
   * caller folds the page itself (so the reading thread is a folder too, and a busy machine shifts
   * work to it instead of queueing).
   */
  offer(lines: string[], targets: number[]): boolean {
    if (this.failure !== undefined) throw this.failure;
    const folder = this.folders.reduce((least, one) => (one.inFlight < least.inFlight ? one : least));
    if (folder.inFlight >= MAX_PAGES_IN_FLIGHT) return false;
    folder.inFlight += 1;
    const page = packLines(lines, this.spare.pop());
    folder.worker.postMessage({ page, targets } satisfies LineFoldMessage, linePageBuffers(page));
    return true;
  }

  /** Tells every worker the lines have ended; resolves with their parts (each a tally per window). */
  async finish(): Promise<R[][]> {
    for (const folder of this.folders) folder.worker.postMessage({} satisfies LineFoldMessage);
    return (await Promise.all(this.folders.map((folder) => folder.part))) as R[][];
  }

  /** Stops every worker (after a failure elsewhere: a report that will not finish). */
  async stop(): Promise<void> {
    await Promise.all(this.folders.map((folder) => folder.worker.terminate()));
  }
}
