/**
 * The collector against the Connect protocol: real @connectrpc/connect-node clients built from the
 * runtime descriptors (JSON and binary, with gzip request compression), and raw HTTP requests for
 * what no well-behaved client sends.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { compressionGzip, createConnectTransport } from '@connectrpc/connect-node';
import { CONNECT_HTTP_STATUS } from '../../src/collector/ingest/connect-protocol.js';
import { serviceSchema } from '../../src/protocol/descriptors.js';
import { SUBMIT_TBOT_EVENT_PATH, SUBMIT_TBOT_EVENTS_PATH } from '../../src/protocol/tbot-wire.js';
import { startCollector, storedRecords, type RunningCollector } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** The descriptors are built at run time, so method types are not generated: this is their shape. */
interface TbotClients {
  single: { submitTbotEvent(request: unknown, options?: { timeoutMs?: number }): Promise<unknown> };
  batch: { submitTbotEvents(request: unknown): Promise<unknown> };
}

const startMessage = (overrides: Record<string, unknown> = {}) => ({
  distinctId: crypto.randomUUID(),
  timestamp: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
  event: {
    case: 'start',
    value: { runMode: 2, version: '18.1.0', joinType: 'iam', destinationsOther: 1, destinationsDatabase: 2, destinationsKubernetes: 0, destinationsApplication: 1, ...overrides },
  },
});

const VALID_JSON = () => ({
  distinctId: crypto.randomUUID(),
  timestamp: new Date().toISOString(),
  start: { runMode: 'RUN_MODE_DAEMON', version: '1.2.3', joinType: 'iam', destinationsOther: 1, destinationsDatabase: 2, destinationsKubernetes: 0, destinationsApplication: 1 },
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: { code?: string; message?: string } | undefined;
  ms: number;
}

/** One raw HTTP/1.1 request; `trickle` sends the body a byte every 100 ms (a slow client). */
function raw(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; trickle?: boolean } = {}): Promise<RawResponse> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: options.method ?? 'POST', headers: options.headers ?? { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: RawResponse['json'];
        if (String(res.headers['content-type']).startsWith('application/json') && text !== '') json = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: Date.now() - started });
      });
    });
    req.on('error', reject);
    const body = Buffer.from(options.body ?? '');
    if (options.trickle === true) {
      req.setHeader('content-length', body.length);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent >= body.length || req.destroyed) return void clearInterval(timer);
        req.write(body.subarray(sent, sent + 1));
        sent += 1;
      }, 100);
      req.on('close', () => clearInterval(timer));
    } else {
      req.end(body);
    }
  });
}

describe('collector: Connect protocol conformance', () => {
  let workspace: Workspace;
  let collector: RunningCollector;
  let dataDir: string;
  const clients = (options: { binary: boolean; gzip?: boolean }): TbotClients => {
    const transport = createConnectTransport({
      baseUrl: collector.url,
      httpVersion: '1.1',
      useBinaryFormat: options.binary,
      ...(options.gzip === true ? { sendCompression: compressionGzip, compressMinBytes: 0 } : {}),
    });
    return {
      single: createClient(serviceSchema('prehog.v1alpha.TbotReportingService'), transport) as unknown as TbotClients['single'],
      batch: createClient(serviceSchema('tbotanalytics.v1.TbotBatchReportingService'), transport) as unknown as TbotClients['batch'],
    };
  };

  before(async () => {
    workspace = await makeWorkspace('tbot-connect-');
    dataDir = join(workspace.dir, 'data');
    collector = await startCollector(dataDir);
  });
  after(async () => {
    await collector.stop();
    await workspace.remove();
  });

  for (const binary of [false, true]) {
    for (const gzip of [false, true]) {
      const mode = `${binary ? 'binary' : 'JSON'}${gzip ? ', gzip-compressed' : ''}`;
      it(`connect-node client (${mode}): SubmitTbotEvent is stored, zero values filled in`, async () => {
        const message = startMessage();
        await clients({ binary, gzip }).single.submitTbotEvent(message);
        const mine = (await storedRecords(dataDir)).find((record) => record.event.distinctId === message.distinctId);
        assert.ok(mine, 'stored');
        assert.equal(mine.event.start['destinationsKubernetes'], 0, 'a zero the client left off the wire is stored as 0');
        assert.equal(mine.event.start['runMode'], 'RUN_MODE_DAEMON');
        assert.equal(mine.event.start['version'], '18.1.0');
      });

      it(`connect-node client (${mode}): the batch path stores 300 events in one call`, async () => {
        const events = Array.from({ length: 300 }, (_, index) => startMessage({ joinType: index % 2 === 0 ? 'github' : 'env0', destinationsOther: index % 7 }));
        await clients({ binary, gzip }).batch.submitTbotEvents({ events });
        const ids = new Set((await storedRecords(dataDir)).map((record) => record.event.distinctId));
        assert.ok(
          events.every((event) => ids.has(event.distinctId)),
          'every event stored',
        );
      });
    }
  }

  it("connect-node client: Go tbot's zero values (RUN_MODE_UNSPECIFIED, empty join type, no timestamp) are accepted", async () => {
    const message = { distinctId: crypto.randomUUID(), event: { case: 'start', value: { version: '18.1.0' } } };
    await clients({ binary: true }).single.submitTbotEvent(message);
    const mine = (await storedRecords(dataDir)).find((record) => record.event.distinctId === message.distinctId);
    assert.ok(mine);
    assert.deepEqual(mine.event.start, {
      runMode: 'RUN_MODE_UNSPECIFIED',
      version: '18.1.0',
      joinType: '',
      destinationsOther: 0,
      destinationsDatabase: 0,
      destinationsKubernetes: 0,
      destinationsApplication: 0,
    });
    assert.equal(mine.event.timestamp, mine.received_at);
  });

  it('connect-node client: errors arrive as typed ConnectErrors with the code the collector chose', async () => {
    for (const binary of [false, true]) {
      const error = await clients({ binary })
        .single.submitTbotEvent(startMessage({ version: 'latest' }))
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      assert.ok(error instanceof ConnectError);
      assert.equal(error.code, Code.InvalidArgument);
      assert.match(error.rawMessage, /^start\.version: /);
    }
    const tooMany = await clients({ binary: true })
      .batch.submitTbotEvents({ events: Array.from({ length: 501 }, () => startMessage()) })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    assert.ok(tooMany instanceof ConnectError);
    assert.equal(tooMany.code, Code.InvalidArgument);
  });

  it('a batch with one bad event is refused whole, naming the event, and stores nothing', async () => {
    const before = (await storedRecords(dataDir)).length;
    const events = [VALID_JSON(), VALID_JSON(), { ...VALID_JSON(), timestamp: '2026-02-30T00:00:00Z' }];
    const response = await raw(collector.url, SUBMIT_TBOT_EVENTS_PATH, { body: JSON.stringify({ events }) });
    assert.equal(response.status, 400);
    assert.equal(response.json?.code, 'invalid_argument');
    assert.match(response.json?.message ?? '', /^events\[2\]\.timestamp: day 30 does not exist/);
    assert.equal((await storedRecords(dataDir)).length, before);
  });

  const refusals: {
    name: string;
    path?: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
    status: number;
    code?: string;
    message?: RegExp;
    header?: [string, string];
  }[] = [
    { name: 'text/plain', headers: { 'content-type': 'text/plain' }, body: '{}', status: 415, header: ['accept-post', 'application/json, application/proto'] },
    {
      name: 'a streaming content type',
      headers: { 'content-type': 'application/connect+json' },
      body: '{}',
      status: 415,
      header: ['accept-post', 'application/json, application/proto'],
    },
    {
      name: 'content-encoding br',
      headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
      body: 'x',
      status: 501,
      code: 'unimplemented',
      message: /"br"; supported: gzip, identity$/,
    },
    {
      name: 'a body that is not gzip',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: '{}',
      status: 400,
      code: 'invalid_argument',
      message: /malformed gzip/,
    },
    {
      name: 'an empty gzip body (the empty message, never decompressed)',
      headers: { 'content-type': 'application/proto', 'content-encoding': 'gzip' },
      body: '',
      status: 400,
      code: 'invalid_argument',
      message: /required property 'start'/,
    },
    {
      name: 'connect-protocol-version 2',
      headers: { 'content-type': 'application/json', 'connect-protocol-version': '2' },
      body: JSON.stringify(VALID_JSON()),
      status: 400,
      code: 'invalid_argument',
      message: /connect-protocol-version "2" is not supported; expected 1/,
    },
    ...['abc', '0', '-5', '1.5', '12345678901'].map((value) => ({
      name: `connect-timeout-ms ${value}`,
      headers: { 'content-type': 'application/json', 'connect-timeout-ms': value },
      body: JSON.stringify(VALID_JSON()),
      status: 400,
      code: 'invalid_argument',
      message: /connect-timeout-ms .*positive whole number/,
    })),
    { name: 'a body over 64 KiB', body: JSON.stringify({ ...VALID_JSON(), pad: 'x'.repeat(70 * 1024) }), status: 429, code: 'resource_exhausted' },
    {
      name: 'a batch body over 512 KiB',
      path: SUBMIT_TBOT_EVENTS_PATH,
      body: JSON.stringify({ events: [], pad: 'x'.repeat(530 * 1024) }),
      status: 429,
      code: 'resource_exhausted',
    },
    { name: 'GET on a procedure', method: 'GET', status: 405, header: ['allow', 'POST'] },
    {
      name: 'a procedure this collector does not serve',
      path: '/prehog.v1alpha.ExampleReportingService/SubmitEvent',
      body: '{}',
      status: 501,
      code: 'unimplemented',
      message: /^prehog\.v1alpha\.ExampleReportingService\/SubmitEvent is not implemented$/,
    },
    { name: 'a method this service does not have', path: '/prehog.v1alpha.TbotReportingService/SubmitTbotEvents', body: '{}', status: 501, code: 'unimplemented' },
    { name: 'a path that is no procedure', path: '/index.html', method: 'GET', status: 404, code: 'not_found' },
  ];
  for (const refusal of refusals) {
    it(`raw: ${refusal.name} → ${refusal.status}${refusal.code === undefined ? '' : ` ${refusal.code}`}, nothing stored`, async () => {
      const before = (await storedRecords(dataDir)).length;
      const response = await raw(collector.url, refusal.path ?? SUBMIT_TBOT_EVENT_PATH, {
        ...(refusal.method === undefined ? {} : { method: refusal.method }),
        ...(refusal.headers === undefined ? {} : { headers: refusal.headers }),
        ...(refusal.body === undefined ? {} : { body: refusal.body }),
      });
      assert.equal(response.status, refusal.status, response.text);
      if (refusal.code === undefined) {
        // Below the RPC layer: no Connect error body, a line for people instead.
        assert.equal(response.json, undefined);
        assert.match(String(response.headers['content-type']), /^text\/plain/);
      } else {
        assert.equal(response.json?.code, refusal.code);
        assert.equal(CONNECT_HTTP_STATUS[refusal.code as keyof typeof CONNECT_HTTP_STATUS], response.status, "the status is the code table's");
        if (refusal.message !== undefined) assert.match(response.json?.message ?? '', refusal.message);
      }
      if (refusal.header !== undefined) assert.equal(response.headers[refusal.header[0]], refusal.header[1]);
      assert.equal((await storedRecords(dataDir)).length, before);
    });
  }

  it('raw: an empty gzip body on the batch path is an empty batch: 200, nothing stored', async () => {
    const before = (await storedRecords(dataDir)).length;
    const response = await raw(collector.url, SUBMIT_TBOT_EVENTS_PATH, { headers: { 'content-type': 'application/proto', 'content-encoding': 'gzip' }, body: '' });
    assert.equal(response.status, 200);
    assert.equal((await storedRecords(dataDir)).length, before);
  });

  it('raw: curl-style requests without connect-protocol-version are accepted; a valid timeout and gzip are honoured', async () => {
    const body = VALID_JSON();
    const response = await raw(collector.url, SUBMIT_TBOT_EVENT_PATH, {
      headers: { 'content-type': 'application/json', 'connect-timeout-ms': '10000', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(body)),
    });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, {});
    assert.ok((await storedRecords(dataDir)).some((record) => record.event.distinctId === body.distinctId));
  });

  it('raw: a client that goes away mid-body is counted as read-failed, not left hanging', async () => {
    const metric = async (): Promise<number> =>
      Number(/^tbot_collector_events_rejected_total\{reason="read-failed"\} (\d+)$/m.exec(await (await fetch(`${collector.url}/metrics`)).text())?.[1] ?? 0);
    const before = await metric();
    const { port, hostname } = new URL(collector.url);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    socket.write(`POST ${SUBMIT_TBOT_EVENT_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"distinctId":`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    for (let tries = 0; tries < 50 && (await metric()) === before; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await metric(), before + 1);
  });

  it('raw: connect-timeout-ms is honoured: a body still arriving at the deadline gets deadline_exceeded (504) then, and nothing is stored', async () => {
    const before = (await storedRecords(dataDir)).length;
    const response = await raw(collector.url, SUBMIT_TBOT_EVENT_PATH, {
      headers: { 'content-type': 'application/json', 'connect-timeout-ms': '300' },
      body: JSON.stringify(VALID_JSON()),
      trickle: true,
    });
    assert.equal(response.status, 504);
    assert.equal(response.json?.code, 'deadline_exceeded');
    assert.ok(response.ms >= 280 && response.ms < 2_000, `answered after ${response.ms} ms`);
    assert.equal((await storedRecords(dataDir)).length, before);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, /^tbot_collector_events_rejected_total\{reason="deadline"\} 1$/m);
  });
});
