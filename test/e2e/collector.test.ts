/** The collector end to end: the real agent posts to it; it validates, stores, reports and forwards (Connect clients: collector-connect.test.ts). */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { eventUuid } from '../../src/collector/store/event-identity.js';
import { SUBMIT_TBOT_EVENT_PATH } from '../../src/protocol/tbot-wire.js';
import { COLLECTOR_BUNDLE, startCollector, storedLines, type RunningCollector } from '../helpers/collector-process.js';
import { cleanEnv, CONFIG_DIR, runTbot } from '../helpers/tbot-process.js';
import { refusedUrl } from '../helpers/receiver.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';
import { execFileSync } from 'node:child_process';

const VALID = () => ({
  distinctId: crypto.randomUUID(),
  timestamp: new Date().toISOString(),
  start: { runMode: 'RUN_MODE_DAEMON', version: '1.2.3', joinType: 'iam', destinationsOther: 1, destinationsDatabase: 2, destinationsKubernetes: 0, destinationsApplication: 1 },
});

async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; json: { code?: string; message?: string } }> {
  const response = await fetch(`${url}${SUBMIT_TBOT_EVENT_PATH}`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : JSON.parse(text) };
}

describe('collector', () => {
  let workspace: Workspace;
  let collector: RunningCollector;
  let dataDir: string;
  before(async () => {
    workspace = await makeWorkspace('tbot-collector-');
    dataDir = join(workspace.dir, 'data');
    collector = await startCollector(dataDir);
  });
  after(async () => {
    await collector.stop();
    await workspace.remove();
  });

  it('stores what the real agent sends, and reports it', async () => {
    const before = (await storedLines(dataDir)).length;
    const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: collector.url, _TBOT_TELEMETRY_HELPER: 'gha:teleport-actions/auth', _TBOT_TELEMETRY_HELPER_VERSION: '1.2.0' });
    for (const config of ['github-actions-oneshot.yaml', 'host-continuous.yaml']) {
      const run = await runTbot(['start', '--oneshot', '--anonymous-analytics', '--debug', '-c', join(CONFIG_DIR, config)], { env, cwd: workspace.dir });
      assert.match(run.stderr, /anonymous analytics sent status=200/);
    }
    const lines = await storedLines(dataDir);
    assert.equal(lines.length, before + 2);
    const stored = JSON.parse(lines.at(-1)!);
    assert.deepEqual(Object.keys(stored).sort(), ['event', 'family', 'received_at', 'uuid']);
    assert.equal(stored.uuid, eventUuid('tbot', stored.event), 'the identity is written into the line');
    assert.equal(stored.event.start.joinType, 'iam');
    assert.equal(stored.event.start.helper, 'gha:teleport-actions/auth');

    const report = JSON.parse(execFileSync(process.execPath, [COLLECTOR_BUNDLE, 'report', '--data-dir', dataDir, '--format', 'json'], { encoding: 'utf8' }));
    assert.ok(report.total >= 2);
    assert.ok(report.breakdowns.join_type.github >= 1 && report.breakdowns.join_type.iam >= 1);
    assert.ok(report.breakdowns.helper['gha:teleport-actions/auth'] >= 2);
    assert.ok(report.helperVersions['gha:teleport-actions/auth']['1.2.0'] >= 2);
  });

  it('accepts gzip-compressed requests', async () => {
    const event = VALID();
    const result = await post(collector.url, gzipSync(JSON.stringify(event)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(result.status, 200);
    assert.ok((await storedLines(dataDir)).some((line) => line.includes(event.distinctId)));
  });

  it("accepts what Teleport's tbot may send, storing only known fields, and counts what it skipped or dropped", async () => {
    const base = VALID();
    const tolerated = [
      { ...base, distinctId: crypto.randomUUID(), start: { ...base.start, joinType: '' } },
      { ...base, distinctId: crypto.randomUUID(), start: { ...base.start, joinType: 'env0', runMode: 'RUN_MODE_UNSPECIFIED', version: 'v18.1.0' } },
      { distinctId: crypto.randomUUID().replaceAll('-', ''), start: { ...base.start, version: '18' } },
      { ...base, distinctId: crypto.randomUUID(), hostname: 'zqxhostcanary', start: { ...base.start, ip: '10.9.8.7', helper: 'zqxhelper.corp.example.com' } },
    ];
    for (const body of tolerated) assert.equal((await post(collector.url, JSON.stringify(body))).status, 200, JSON.stringify(body));
    const stored = (await storedLines(dataDir)).map((line) => JSON.parse(line));
    const mine = tolerated.map((body) => stored.find((record) => record.event.distinctId === body.distinctId));
    assert.ok(mine.every((record) => record !== undefined));
    assert.equal(mine[0].event.start.joinType, '');
    assert.equal(mine[1].event.start.runMode, 'RUN_MODE_UNSPECIFIED');
    assert.equal(mine[1].event.start.joinType, 'env0');
    assert.equal(mine[2].event.timestamp, mine[2].received_at, 'an omitted timestamp is the ingest time');
    assert.deepEqual(Object.keys(mine[3].event), ['distinctId', 'timestamp', 'start']);
    assert.equal(mine[3].event.start.helper, undefined, 'a helper that could be a host name is dropped');
    const everything = (await storedLines(dataDir)).join('\n');
    for (const canary of ['zqxhostcanary', '10.9.8.7', 'zqxhelper']) assert.ok(!everything.includes(canary), `${canary} stored`);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, /^tbot_collector_unknown_fields_skipped_total\{family="tbot"\} 2$/m);
    assert.match(metrics, /^tbot_collector_privacy_dropped_fields_total 1$/m);
  });

  const corpus: { name: string; body: () => string | Uint8Array; headers?: Record<string, string>; status: number; code: string; message?: RegExp }[] = [
    { name: 'malformed JSON', body: () => '{"distinctId": ', status: 400, code: 'invalid_argument', message: /malformed JSON/ },
    { name: 'oversize body', body: () => JSON.stringify({ ...VALID(), pad: 'x'.repeat(70 * 1024) }), status: 429, code: 'resource_exhausted' },
    {
      name: 'gzip bomb',
      body: () => gzipSync(Buffer.alloc(1024 * 1024, 0x20)),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      status: 429,
      code: 'resource_exhausted',
    },
    { name: 'deeply nested JSON', body: () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`, status: 429, code: 'resource_exhausted' },
    { name: 'nested JSON within the size limit', body: () => `{"start":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`, status: 400, code: 'invalid_argument' },
    {
      name: 'invalid UTF-8',
      body: () => Buffer.concat([Buffer.from('{"distinctId":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      status: 400,
      code: 'invalid_argument',
      message: /UTF-8/,
    },
    {
      name: 'wrong enum',
      body: () => JSON.stringify({ ...VALID(), start: { ...VALID().start, runMode: 'RUN_MODE_SOMETIMES' } }),
      status: 400,
      code: 'invalid_argument',
      message: /RUN_MODE_SOMETIMES/,
    },
    {
      name: 'negative count',
      body: () => JSON.stringify({ ...VALID(), start: { ...VALID().start, destinationsDatabase: -1 } }),
      status: 400,
      code: 'invalid_argument',
      message: /start\.destinationsDatabase/,
    },
    {
      name: 'absurd count',
      body: () => JSON.stringify({ ...VALID(), start: { ...VALID().start, destinationsOther: 50_000 } }),
      status: 400,
      code: 'invalid_argument',
      message: /start\.destinationsOther/,
    },
    {
      name: 'distinctId that could be a host name',
      body: () => JSON.stringify({ ...VALID(), distinctId: 'build-01.corp.example.com' }),
      status: 400,
      code: 'invalid_argument',
      message: /^distinctId/,
    },
    ...['2026-19-39T29:69:69Z', '0000-00-00T00:00:00Z', '2099-99-99T00:00:00Z', '2026-13-45T99:99:99Z', '2026-02-30T00:00:00Z'].map((timestamp) => ({
      name: `timestamp ${timestamp}`,
      body: () => JSON.stringify({ ...VALID(), timestamp }),
      status: 400,
      code: 'invalid_argument',
      message: /^timestamp: /,
    })),
    {
      name: 'timestamp two days ahead',
      body: () => JSON.stringify({ ...VALID(), timestamp: new Date(Date.now() + 48 * 3_600_000).toISOString() }),
      status: 400,
      code: 'invalid_argument',
      message: /24 h ahead/,
    },
    {
      name: 'binary without a start event',
      body: () => new Uint8Array([0x0a, 0x01, 0x61, 0x50, 0x01]),
      headers: { 'content-type': 'application/proto' },
      status: 400,
      code: 'invalid_argument',
      message: /'start'/,
    },
    {
      name: 'binary Timestamp of 2^62 seconds',
      body: () => new Uint8Array([0x12, 0x0a, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]),
      headers: { 'content-type': 'application/proto' },
      status: 400,
      code: 'invalid_argument',
      message: /^timestamp: /,
    },
    {
      name: 'truncated binary',
      body: () => new Uint8Array([0x0a, 0xff]),
      headers: { 'content-type': 'application/proto' },
      status: 400,
      code: 'invalid_argument',
      message: /malformed protobuf/,
    },
  ];
  for (const bad of corpus) {
    it(`rejects ${bad.name} with ${bad.code} (${bad.status}) and stores nothing`, async () => {
      const before = (await storedLines(dataDir)).length;
      const result = await post(collector.url, bad.body(), bad.headers);
      assert.equal(result.status, bad.status, JSON.stringify(result.json));
      assert.equal(result.json.code, bad.code);
      if (bad.message !== undefined) assert.match(result.json.message ?? '', bad.message);
      assert.equal((await storedLines(dataDir)).length, before);
    });
  }

  it('never stores the client address or request headers', async () => {
    const event = VALID();
    const marker = 'zqxheadercanary';
    assert.equal(
      (await post(collector.url, JSON.stringify(event), { 'content-type': 'application/json', 'user-agent': marker, 'x-forwarded-for': `203.0.113.9, ${marker}`, cookie: marker }))
        .status,
      200,
    );
    const everything = (await Promise.all((await readdir(dataDir)).map((name) => readFile(join(dataDir, name), 'utf8')))).join('');
    assert.ok(everything.includes(event.distinctId));
    for (const needle of [marker, '127.0.0.1', '203.0.113.9']) assert.ok(!everything.includes(needle), `${needle} stored`);
  });

  it('serves /healthz and Prometheus /metrics with received, accepted and rejected-by-reason counts', async () => {
    assert.equal((await fetch(`${collector.url}/healthz`)).status, 200);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, /^tbot_collector_events_accepted_total [1-9]\d*$/m);
    assert.match(metrics, /^tbot_collector_events_rejected_total\{reason="decode"\} [1-9]\d*$/m);
    assert.match(metrics, /^tbot_collector_events_rejected_total\{reason="too-large"\} [1-9]\d*$/m);
    assert.match(metrics, /^tbot_collector_store_write_seconds_count [1-9]\d*$/m);
    assert.match(metrics, /^tbot_collector_forward_queue_depth 0$/m);
  });
});

describe('collector forwarding to PostHog', () => {
  let workspace: Workspace;
  let posthog: Server;
  let posthogUrl: string;
  const batches: { api_key: string; batch: Record<string, unknown>[] }[] = [];
  let failuresLeft = 0;
  let maxAccepted = Infinity;

  before(async () => {
    workspace = await makeWorkspace('tbot-forward-');
    posthog = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url !== '/batch/') return void res.writeHead(404).end();
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          return void res.writeHead(503).end('{"error":"down"}');
        }
        const body = JSON.parse(Buffer.concat(chunks).toString());
        if (body.batch.length > maxAccepted) return void res.writeHead(413).end('{"error":"too large"}');
        batches.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":1}');
      });
    });
    posthog.listen(0, '127.0.0.1');
    await once(posthog, 'listening');
    posthogUrl = `http://127.0.0.1:${(posthog.address() as AddressInfo).port}`;
  });
  after(async () => {
    posthog.closeAllConnections();
    await new Promise((resolve) => posthog.close(resolve));
    await workspace.remove();
  });

  const forwarded = () => batches.flatMap((body) => body.batch);
  async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('reports the forward queue depth while PostHog is unreachable, across a restart', async () => {
    const dataDir = join(workspace.dir, 'queue');
    const unreachable = ['--posthog-host', await refusedUrl(), '--posthog-api-key', 'phc_test'];
    const depth = async (url: string): Promise<number> => Number(/^tbot_collector_forward_queue_depth (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
    let collector = await startCollector(dataDir, unreachable);
    for (let i = 0; i < 3; i += 1) assert.equal((await post(collector.url, JSON.stringify(VALID()))).status, 200);
    assert.equal(await depth(collector.url), 3);
    await collector.stop();
    collector = await startCollector(dataDir, unreachable);
    assert.equal(await depth(collector.url), 3, 'the backlog is counted again from the persisted cursor');
    await collector.stop();
  });

  it('forwards in the usage-metrics shape, survives an outage and a restart, halves on 413, and never duplicates', async () => {
    const dataDir = join(workspace.dir, 'data');
    const args = ['--posthog-host', posthogUrl, '--posthog-api-key', 'phc_test'];
    failuresLeft = 3;
    maxAccepted = 2;
    let collector = await startCollector(dataDir, args);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const event = VALID();
      ids.push(event.distinctId);
      assert.equal((await post(collector.url, JSON.stringify(event))).status, 200);
    }
    await until(() => forwarded().length >= 2);
    // Restart mid-stream: the persisted cursor resumes where forwarding stopped.
    assert.equal(await collector.stop(), 0);
    collector = await startCollector(dataDir, args);
    for (let i = 0; i < 3; i += 1) {
      const event = VALID();
      ids.push(event.distinctId);
      assert.equal((await post(collector.url, JSON.stringify(event))).status, 200);
    }
    await until(() => forwarded().length >= ids.length);
    await collector.stop();

    const events = forwarded();
    assert.deepEqual(events.map((event) => event['distinct_id']).sort(), [...ids].sort());
    assert.equal(new Set(events.map((event) => event['uuid'])).size, events.length, 'no duplicate uuids');
    assert.ok(
      batches.every((body) => body.api_key === 'phc_test' && body.batch.length <= 2),
      'batches were halved to fit',
    );
    const first = events[0]!;
    assert.equal(first['event'], 'tbot.start');
    assert.deepEqual(first['properties'], {
      run_mode: 'continuous',
      version: '1.2.3',
      join_type: 'iam',
      destinations_configured: 4,
      destinations_configured_database_access: 2,
      destinations_configured_kubernetes_access: 0,
      destinations_configured_application_access: 1,
      $process_person_profile: false,
      $geoip_disable: true,
    });
    assert.ok(!JSON.stringify(batches).includes('$ip'));
  });
});
