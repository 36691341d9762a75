/**
 * Entry point of the ship worker thread (bundled as dist/tbot-collector-ship-worker.mjs): the
 * shipper and its PostgreSQL client, off the thread that serves ingest. Reading the outbox back,
 * checking every line again and encoding the inserts cost about a third of what ingest itself
 * costs per event; on the serving thread that came straight off ingest's rate.
 *
 * The thread runs at a lower scheduling priority (nice SHIP_NICENESS; on Linux a thread has its own):
 * on a machine whose cores ingest keeps busy, ingest comes first and the shipper takes what is
 * left, which is what "behind the acknowledgement" means. It still gets the cores whenever ingest
 * pauses, and under a steady load it keeps up (bench/postgres-ship.ts measures its lag).
 *
 * The notices of new events bring what ingest wrote since the last one (its buffers transferred,
 * not copied), which the shipper ships from memory when it can (written-memory.ts).
 *
 * It posts its state when it changes (after a batch, a failure, a notice of new events), its log
 * lines and dead letters as they happen; it answers drop requests (retention) and
 * ends its shipper when told to close.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { LogFields, Logger, LogLevel } from '../../log/logger.js';
import { SchemaTooNewError } from '../store/postgres/migrations.js';
import { openLocalShipping, type LocalShipping } from './local-shipping.js';
import type { FromShipWorker, SentError, ShipWorkerData, ToShipWorker } from './ship-protocol.js';

const SHIP_NICENESS = 10;
try {
  // Pid 0 is the calling thread here. A system that refuses (or has no such thing) ships at the normal priority.
  setPriority(0, SHIP_NICENESS);
} catch {}
const port = parentPort!;
const data = workerData as ShipWorkerData;
const post = (message: FromShipWorker): void => port.postMessage(message);

const sent = (error: unknown): SentError => {
  if (error instanceof SchemaTooNewError) return { name: error.name, message: error.message, schema: { databaseVersion: error.databaseVersion, knownVersion: error.knownVersion } };
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
};

const logAt =
  (level: LogLevel) =>
  (message: string, fields?: LogFields): void =>
    post({ kind: 'log', level, message, ...(fields === undefined ? {} : { fields }) });
const logger: Logger = { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };

let lastState = '';
/** Posts the state if it changed since last posted (the lag is read from it on the other side). */
function postState(shipping: LocalShipping): void {
  const state = shipping.state();
  const text = JSON.stringify(state);
  if (text === lastState) return;
  lastState = text;
  post({ kind: 'state', state });
}

async function opened(): Promise<LocalShipping | undefined> {
  let shipping: LocalShipping | undefined;
  try {
    shipping = await openLocalShipping({
      store: data.store,
      dataDir: data.dataDir,
      logger,
      now: () => new Date(),
      // This thread does nothing but ship: a blocking read delays no one, and costs far less than a stream's.
      blockingReads: true,
      onDeadLettered: (reason) => post({ kind: 'dead-lettered', reason }),
      // Called from the shipper's own loop, which starts only once it is open.
      onStateChange: () => (shipping === undefined ? undefined : postState(shipping)),
    });
    return shipping;
  } catch (error) {
    // The serving thread refuses to start on it; with the port closed this thread then ends.
    post({ kind: 'failed', error: sent(error) });
    port.close();
    return undefined;
  }
}

function serve(shipping: LocalShipping): void {
  post({ kind: 'started' });
  postState(shipping);
  port.on('message', (message: ToShipWorker) => {
    if (message.kind === 'notify') {
      if (message.lost) shipping.forgetWritten();
      for (const range of message.written) shipping.written(range.segment, range.offset, range.bytes);
      shipping.notify(message.mark);
      postState(shipping);
    } else if (message.kind === 'drop') {
      shipping.dropMonthsBefore(new Date(message.cutoffMs)).then(
        (months) => post({ kind: 'dropped', id: message.id, months }),
        (error: unknown) => post({ kind: 'dropped', id: message.id, error: sent(error) }),
      );
    } else {
      void shipping.close().finally(() => {
        postState(shipping);
        post({ kind: 'closed' });
        port.close();
      });
    }
  });
}

const shipping = await opened();
if (shipping !== undefined) serve(shipping);
