/**
 * Limits that hold on every protocol: the in-flight cap answers unavailable, and the server's own
 * answer to a deadline (connect-timeout-ms, grpc-timeout) is deadline_exceeded while the store is stalled. The
 * server runs in process, over a store whose appends never finish (a disk that stopped answering),
 * with real clients for every protocol, encoding and HTTP version.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as connectHttp2 } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fromJson, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { createIngestServer, type IngestServer } from '../../src/collector/ingest/server.js';
import { CollectorMetrics } from '../../src/collector/metrics.js';
import type { SegmentStore } from '../../src/collector/store/segment-store.js';
import { messageSchema } from '../../src/protocol/descriptors.js';
import { SUBMIT_TBOT_EVENT_PATH } from '../../src/protocol/tbot-wire.js';
import { tbotEvent } from '../helpers/collector-process.js';
import { CELLS, call, cellName, transport } from '../helpers/rpc-clients.js';

async function codeOf(promise: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

/** A store whose appends never complete: what a hung disk looks like to the server. */
const stalledStore = { appendAll: () => new Promise<never>(() => undefined) } as unknown as SegmentStore;

async function listen(server: IngestServer): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

for (const connectPath of ['builtin', 'connect-node'] as const) {
  describe(`collector limits on every protocol (Connect unary by ${connectPath})`, () => {
    let full: IngestServer;
    let stalled: IngestServer;
    let fullUrl: string;
    let stalledUrl: string;
    before(async () => {
      full = createIngestServer({ store: stalledStore, metrics: new CollectorMetrics(), now: () => new Date(), maxInFlight: 0, connectPath });
      stalled = createIngestServer({ store: stalledStore, metrics: new CollectorMetrics(), now: () => new Date(), connectPath, idleTimeoutMs: 60_000 });
      [fullUrl, stalledUrl] = await Promise.all([listen(full), listen(stalled)]);
    });
    after(() => {
      for (const server of [full, stalled]) {
        server.closeAllConnections();
        server.close();
      }
    });

    for (const cell of CELLS) {
      it(`${cellName(cell)}: beyond the in-flight cap → unavailable`, async () => {
        assert.equal(await codeOf(call(transport(fullUrl, cell), SUBMIT_TBOT_EVENT_PATH, tbotEvent())), Code.Unavailable);
      });
    }

    // Raw requests here: a connect-node client enforces its own deadline too, and would report
    // deadline_exceeded whatever the server did. These wait for the server's own answer.
    it('Connect: connect-timeout-ms passes while the store is stalled → HTTP 504, deadline_exceeded', async () => {
      const response = await fetch(`${stalledUrl}${SUBMIT_TBOT_EVENT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'connect-protocol-version': '1', 'connect-timeout-ms': '300' },
        body: JSON.stringify(tbotEvent()),
      });
      assert.equal(response.status, 504);
      assert.equal(((await response.json()) as { code: string }).code, 'deadline_exceeded');
    });

    it('gRPC: grpc-timeout passes while the store is stalled → grpc-status 4 in the trailers', async () => {
      const frame = grpcFrame(toBinary(TBOT_REQUEST(), fromJson(TBOT_REQUEST(), tbotEvent() as never)));
      const answer = await h2Call(stalledUrl, { 'content-type': 'application/grpc+proto', te: 'trailers', 'grpc-timeout': '300m' }, frame);
      assert.equal(answer.headers[':status'], 200);
      assert.equal(answer.headers['grpc-status'], '4');
    });

    it('gRPC-Web: grpc-timeout passes while the store is stalled → grpc-status 4, in headers or the trailer frame', async () => {
      const frame = grpcFrame(toBinary(TBOT_REQUEST(), fromJson(TBOT_REQUEST(), tbotEvent() as never)));
      const response = await fetch(`${stalledUrl}${SUBMIT_TBOT_EVENT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', 'grpc-timeout': '300m' },
        body: frame,
      });
      assert.equal(response.status, 200);
      const body = Buffer.from(await response.arrayBuffer());
      // Trailers-only answers put grpc-status in the headers; otherwise it is in a frame flagged 0x80.
      const status = response.headers.get('grpc-status') ?? /grpc-status:\s*(\d+)/.exec(body.subarray(5).toString('latin1'))?.[1];
      assert.equal(status, '4');
    });
  });
}

const TBOT_REQUEST = () => messageSchema('prehog.v1alpha.SubmitTbotEventRequest');

/** One gRPC length-prefixed message, uncompressed. */
function grpcFrame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

async function h2Call(url: string, headers: Record<string, string>, body: Buffer): Promise<{ headers: Record<string, unknown> }> {
  const session = connectHttp2(url);
  try {
    const stream = session.request({ ':method': 'POST', ':path': SUBMIT_TBOT_EVENT_PATH, ...headers });
    stream.end(body);
    const all: Record<string, unknown> = {};
    stream.on('response', (head) => Object.assign(all, head));
    stream.on('trailers', (trailers) => Object.assign(all, trailers));
    stream.resume();
    await once(stream, 'close');
    return { headers: all };
  } finally {
    session.close();
  }
}

describe('calls the RPC layer refuses before any service code runs are counted in /metrics', () => {
  let server: IngestServer;
  let url: string;
  const metrics = new CollectorMetrics();
  /** A store that takes everything at once: only what happens before it matters here. */
  const acceptingStore = { appendAll: async (records: readonly unknown[]) => records.length } as unknown as SegmentStore;
  before(async () => {
    server = createIngestServer({ store: acceptingStore, metrics, now: () => new Date(), connectPath: 'connect-node' });
    url = await listen(server);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /** Posts raw bytes over h2c and waits for the whole answer. */
  async function h2Post(contentType: string, body: Buffer): Promise<void> {
    const session = connectHttp2(url);
    try {
      const stream = session.request({ ':method': 'POST', ':path': SUBMIT_TBOT_EVENT_PATH, 'content-type': contentType, te: 'trailers' });
      stream.end(body);
      stream.resume();
      await once(stream, 'close');
    } finally {
      session.close();
    }
  }

  it('a gRPC frame that claims more bytes than it holds, and a gRPC-Web frame with a bad flag, are rejected for "protocol"; a good call is not', async () => {
    assert.equal(await codeOf(call(transport(url, CELLS.find((cell) => cell.protocol === 'grpc')!), SUBMIT_TBOT_EVENT_PATH, tbotEvent())), 'ok');
    assert.equal(metrics.rejected.get('protocol') ?? 0, 0, 'a call that reached its service is not a protocol rejection');
    const received = metrics.received;
    const truncated = Buffer.from([0, 0, 0, 0, 0x10, 0x0a, 0x02]);
    await h2Post('application/grpc+proto', truncated);
    const badFlag = Buffer.from([0x7f, 0, 0, 0, 2, 0x0a, 0x00]);
    await h2Post('application/grpc-web+proto', badFlag);
    assert.equal(metrics.rejected.get('protocol'), 2);
    assert.equal(metrics.received, received + 2);
    assert.match(metrics.render(), /^tbot_collector_events_rejected_total\{reason="protocol"\} 2$/m);
  });
});
