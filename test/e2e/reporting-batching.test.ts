/**
 * Batching, deadlines and bounded memory, through the built library in a real process against a
 * loopback receiver that counts requests, events and how many requests it holds at once.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ANONYMIZED } from '../../src/reporting/index.js';
import { runReportingApp } from '../helpers/reporting-app.js';

interface Received {
  path: string;
  events: { distinctId: string; tabOpen: { rootClusterName: string; tabKind: string; index: number } }[];
  raw: string;
}

/** Answers `{}` after `delayMs`, or never when `blackhole` is set. */
class CountingReceiver {
  received: Received[] = [];
  open = 0;
  mostOpen = 0;
  delayMs = 0;
  blackhole = false;
  private readonly held = new Set<ServerResponse>();
  readonly server: Server = createServer((req, res) => {
    this.open += 1;
    this.mostOpen = Math.max(this.mostOpen, this.open);
    res.on('close', () => {
      this.open -= 1;
      this.held.delete(res);
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as { events?: Received['events'] } & Received['events'][number];
      this.received.push({ path: req.url ?? '', events: body.events ?? [body], raw });
      if (this.blackhole) return void this.held.add(res);
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), this.delayMs);
    });
  });

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(): void {
    for (const res of this.held) res.destroy();
    this.received = [];
    this.mostOpen = this.open;
    this.delayMs = 0;
    this.blackhole = false;
  }
}

describe('reporter batching', () => {
  const receiver = new CountingReceiver();
  before(async () => {
    receiver.server.listen(0, '127.0.0.1');
    await once(receiver.server, 'listening');
  });
  beforeEach(() => receiver.reset());
  after(async () => {
    receiver.reset();
    receiver.server.closeAllConnections();
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  for (const [events, size] of [
    [120, 50],
    [50, 50],
    [7, 50],
    [300, 300],
    [37, 10],
  ] as const) {
    it(`${events} events with batches of ${size} arrive in ${Math.ceil(events / size)} request(s) to the batch method, each event once`, async () => {
      const { output } = await runReportingApp({ endpoint: receiver.url, service: 'batch', batch: { size }, steps: [['capture', events], ['flush'], ['close']] });
      assert.equal(receiver.received.length, Math.ceil(events / size));
      assert.ok(receiver.received.every((request) => request.path === '/tbotanalytics.test.v1.TestReportingService/SubmitTestEvents'));
      const indexes = receiver.received.flatMap((request) => request.events.map((event) => event.tabOpen.index)).sort((a, b) => a - b);
      assert.deepEqual(
        indexes,
        Array.from({ length: events }, (_, index) => index),
      );
      assert.equal(output.stats['sent'], events);
    });
  }

  it('a batch over the 64 KiB body limit is split until every request fits', async () => {
    const { output } = await runReportingApp({ endpoint: receiver.url, service: 'batch', batch: { size: 500 }, steps: [['capture', 500], ['flush']] });
    assert.ok(receiver.received.length >= 2, `${receiver.received.length} requests`);
    assert.ok(receiver.received.every((request) => Buffer.byteLength(request.raw) <= 64 * 1024));
    assert.equal(
      receiver.received.reduce((sum, request) => sum + request.events.length, 0),
      500,
    );
    assert.equal(output.stats['sent'], 500);
  });

  it('a service without a batch method gets single calls, at most 4 at a time', async () => {
    receiver.delayMs = 150;
    const { output } = await runReportingApp({ endpoint: receiver.url, service: 'single', steps: [['capture', 12], ['flush']] });
    assert.equal(receiver.received.length, 12);
    assert.ok(receiver.received.every((request) => request.path === '/tbotanalytics.test.v1.TestReportingService/SubmitTestEvent'));
    assert.equal(receiver.mostOpen, 4);
    assert.equal(output.stats['sent'], 12);
  });

  it('a partial batch goes out once the interval has passed, without a flush', async () => {
    const { output } = await runReportingApp({
      endpoint: receiver.url,
      service: 'batch',
      batch: { size: 50, intervalMs: 300 },
      steps: [['capture', 3], ['sleep', 150], ['heap'], ['sleep', 600], ['close', { deadlineMs: 0 }]],
    });
    assert.equal(receiver.received.length, 1);
    assert.equal(receiver.received[0]!.events.length, 3);
    assert.equal(output.stats['sent'], 3);
    assert.equal(output.results.at(-1)!['abandoned'], 0, 'sent before close');
  });

  it('what leaves the app is anonymized: the cluster name never reaches the receiver, its HMAC does', async () => {
    await runReportingApp({ endpoint: receiver.url, service: 'batch', steps: [['capture', 5], ['flush']] });
    const wire = receiver.received.map((request) => request.raw).join('\n');
    assert.ok(!wire.includes('prod-cluster'), wire);
    assert.ok(receiver.received[0]!.events.every((event) => ANONYMIZED.test(event.tabOpen.rootClusterName)));
  });

  it('close() holds its 1 s deadline against a black-holed endpoint, then drops the rest with one debug line', async () => {
    receiver.blackhole = true;
    const { output, stderr, exitedAfterOutputMs } = await runReportingApp({ endpoint: receiver.url, service: 'single', steps: [['capture', 10], ['close']] });
    const close = output.results.at(-1)!;
    assert.equal(close['complete'], false);
    assert.equal(close['abandoned'], 10);
    // At least the deadline, and far from the black hole's 10 s request timeout it cut short; the
    // margin above 1 s is a busy machine's timer lateness, not a tolerance of the deadline.
    assert.ok((close.ms as number) >= 990 && (close.ms as number) < 5_000, `close took ${close.ms} ms`);
    assert.equal(stderr.match(/abandoned/g)?.length, 1, stderr);
    assert.match(stderr, /app analytics abandoned: not finished within the 1000 ms close deadline events=10/);
    // Nothing lingers after close: the process ends once it has written its results, not when a
    // request to the black hole times out (10 s). Measured from that output, so a start-up slowed by
    // a busy machine (6.5 s at a load average near 9) does not count.
    assert.ok(exitedAfterOutputMs < 3_000, `the app exited ${Math.round(exitedAfterOutputMs)} ms after its output`);
  });

  it('a flood of 100k captures against a black-holed endpoint stays within 1,000 buffered events and flat memory', async () => {
    receiver.blackhole = true;
    const { output } = await runReportingApp({ endpoint: receiver.url, service: 'batch', steps: [['heap'], ['flood', 100_000], ['heap'], ['close', { deadlineMs: 0 }]] }, {}, [
      '--expose-gc',
    ]);
    const [heapBefore, flood, heapAfter] = output.results;
    const most = flood!['most'] as { buffered: number; inFlight: number };
    assert.ok(most.buffered <= 1_000, JSON.stringify(most));
    assert.ok(most.inFlight <= 4 * 50, JSON.stringify(most));
    assert.equal(output.stats['captured'], 100_000);
    assert.equal(output.stats['overflowed']! + output.stats['abandoned']! + output.stats['sent']! + output.stats['failed']!, 100_000);
    assert.ok(output.stats['overflowed']! >= 100_000 - 1_000 - 200);
    const grewMb = ((heapAfter!['heapUsed'] as number) - (heapBefore!['heapUsed'] as number)) / 1024 / 1024;
    // 100k events kept would be tens of MB; 1,200 are well under one.
    assert.ok(grewMb < 8, `heap grew ${grewMb.toFixed(1)} MB`);
  });
});
