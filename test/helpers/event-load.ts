/**
 * Steady load on one or more collectors: `concurrency` workers each POST a fresh tbot start (as
 * JSON) and then the next, round robin over the URLs, until stopped. Every event a collector
 * acknowledged (200) is remembered by its distinct id; a refused or failed request is counted, not
 * retried, so "acknowledged" means exactly what the client was told.
 */
import { SUBMIT_TBOT_EVENT_PATH } from '../../src/protocol/tbot-wire.js';
import { tbotEvent } from './collector-process.js';

export interface EventLoad {
  /** Distinct ids of the events answered 200, in the order the answers came. */
  acknowledged: string[];
  /** Requests that got anything but a 200, or no answer. */
  failures(): number;
  /** Resolves once `count` events in all have been acknowledged (rejects if the load stops first). */
  reached(count: number): Promise<void>;
  /** Stops sending and waits for the requests in flight to end. */
  stop(): Promise<void>;
}

export function startLoad(urls: readonly string[], concurrency = 8): EventLoad {
  const acknowledged: string[] = [];
  let failures = 0;
  let stopped = false;
  let sent = 0;
  const waiters: { count: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  const settle = (): void => {
    for (const waiter of [...waiters])
      if (acknowledged.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
  };
  const worker = async (): Promise<void> => {
    while (!stopped) {
      const event = tbotEvent();
      const url = urls[sent++ % urls.length]!;
      try {
        const response = await fetch(`${url}${SUBMIT_TBOT_EVENT_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
        await response.arrayBuffer();
        if (response.status === 200) {
          acknowledged.push(event.distinctId);
          settle();
        } else failures += 1;
      } catch {
        failures += 1;
        // A collector that is gone (killed on purpose) refuses at once: do not spin on it.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  };
  const workers = Promise.all(Array.from({ length: concurrency }, worker));
  return {
    acknowledged,
    failures: () => failures,
    reached: (count) =>
      acknowledged.length >= count
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            if (stopped) reject(new Error(`the load stopped at ${acknowledged.length} acknowledged events, before ${count}`));
            else waiters.push({ count, resolve, reject });
          }),
    stop: async () => {
      stopped = true;
      await workers;
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`the load stopped at ${acknowledged.length} acknowledged events, before ${waiter.count}`));
    },
  };
}
