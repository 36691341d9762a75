/**
 * The collector's real ingestion and store, serving its own services plus a bench-only batch
 * method for heartbeats (the agent's services have none), so bench/reporter-send.ts can compare
 * the reporter's batch path with single calls against the same durable store. Prints
 * "listening <url>" on stdout; stops on SIGTERM.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ConnectFailure } from '../../src/collector/ingest/connect-protocol.js';
import { createIngestServer } from '../../src/collector/ingest/server.js';
import type { IngestService } from '../../src/collector/ingest/service.js';
import { INGEST_SERVICES } from '../../src/collector/ingest/services/index.js';
import { CollectorMetrics } from '../../src/collector/metrics.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import { schemaCheck } from '../../src/reporting/index.js';
import { validateSubmitHeartbeat } from '../../src/schemas/validators.js';
import { BENCH_BATCH_PATH } from './paths.js';

const check = schemaCheck(validateSubmitHeartbeat);

const batchHeartbeats: IngestService = {
  path: BENCH_BATCH_PATH,
  family: 'tbot.heartbeat',
  accept(_encoding, body) {
    const { heartbeats } = JSON.parse(body.toString('utf8')) as { heartbeats: unknown[] };
    for (const heartbeat of heartbeats) {
      const problem = check(heartbeat);
      if (problem !== undefined) throw new ConnectFailure(400, 'invalid_argument', problem, 'schema');
    }
    return heartbeats;
  },
};

const store = new SegmentStore(process.argv[2]!);
await store.open();
const server = createIngestServer({ store, metrics: new CollectorMetrics(), now: () => new Date(), services: [...INGEST_SERVICES, batchHeartbeats] });
server.listen(0, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void store.close().then(() => process.exit(0));
});
