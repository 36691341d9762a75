/**
 * The forwarder's pacing against a loopback PostHog: backoff that incoming traffic cannot defeat,
 * batching while healthy, Retry-After, poison batches bisected into the dead-letter file, damaged
 * stored lines parked, and response bodies that never end.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { segmentName } from '../../src/collector/store/segments.js';
import { eventually, metric, startCollector, submit, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { fdCount, socketsTo } from '../helpers/proc.js';
import { accept, startPostHog, type PostHogStub } from '../helpers/posthog-stub.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Lines of a process warning Node printed (MaxListenersExceededWarning, DeprecationWarning, …): there must be none. */
const warnings = (stderr: string): string[] => stderr.split('\n').filter((line) => /Warning/.test(line));

/**
 * Submits `count` events at `perSecond`; returns their ids and, for each submission that was not
 * answered 200, what happened instead. Each submission's outcome is handled the moment it is made:
 * a connection reset while later ones are still being paced out must not become an unhandled
 * rejection (it did, before Promise.all at the end got to it). At most 16 connections are open at
 * once: when a busy machine slows the answers, one connection per event would pile up past the
 * collector's 64 per client address, and it resets every connection past its cap on arrival.
 */
async function submitAtRate(url: string, count: number, perSecond: number, start: Record<string, unknown> = {}): Promise<{ ids: string[]; failures: string[] }> {
  const agent = new Agent({ maxSockets: 16 });
  try {
    const ids: string[] = [];
    const began = performance.now();
    const outcomes: Promise<string | undefined>[] = [];
    for (let i = 0; i < count; i += 1) {
      const due = began + (i * 1000) / perSecond;
      if (due > performance.now()) await sleep(due - performance.now());
      const event = tbotEvent(start);
      ids.push(event.distinctId);
      outcomes.push(
        submit(url, event, { agent }).then(
          (status) => (status === 200 ? undefined : `HTTP ${status}`),
          (error: NodeJS.ErrnoException) => error.code ?? error.message,
        ),
      );
    }
    const failures = (await Promise.all(outcomes)).filter((failure): failure is string => failure !== undefined);
    return { ids, failures };
  } finally {
    agent.destroy();
  }
}

/** submitAtRate where every event must be acknowledged 200. */
async function trickle(url: string, count: number, perSecond: number, start: Record<string, unknown> = {}): Promise<string[]> {
  const { ids, failures } = await submitAtRate(url, count, perSecond, start);
  assert.deepEqual(failures, [], `${failures.length} of ${count} submissions failed`);
  return ids;
}

describe('collector forwarding pace', () => {
  let workspace: Workspace;
  let posthog: PostHogStub;
  let collector: RunningCollector | undefined;
  before(async () => {
    workspace = await makeWorkspace('tbot-forward-pace-');
    posthog = await startPostHog();
  });
  after(async () => {
    await collector?.stop();
    await posthog.close();
    await workspace.remove();
  });

  async function run(name: string): Promise<RunningCollector> {
    await collector?.stop();
    posthog.requests.length = 0;
    posthog.accepted.length = 0;
    collector = await startCollector(join(workspace.dir, name), ['--posthog-host', posthog.url, '--posthog-api-key', 'phc_test']);
    return collector;
  }

  it('a 429 storm: requests keep to the backoff schedule while 100 events/s arrive, and no process warning is printed', async () => {
    posthog.answer = (_batch, res) => void res.writeHead(429, { 'content-type': 'application/json' }).end('{"type":"rate_limited"}');
    const running = await run('storm');
    await trickle(running.url, 350, 100);
    assert.deepEqual(warnings(running.stderr()), []);
    // The first request goes out after the 250 ms linger, the next after 0.5 s of backoff: both
    // fall within the 3.5 s of submissions, however slowly a busy machine made them.
    await posthog.until(() => posthog.requests.length >= 2);
    const times = posthog.requests.map((request) => request.at);
    // However many there were, each came no sooner than the doubling backoff allows.
    times.slice(1).forEach((at, index) => {
      const expected = 500 * 2 ** index;
      assert.ok(at - times[index]! >= expected - 50, `gap ${index + 1} was ${Math.round(at - times[index]!)} ms; the backoff says ${expected} ms`);
    });
    assert.equal(await metric(running.url, 'tbot_collector_forward_queue_depth'), 350);
  });

  it('a connection the collector resets (its per-address cap) is a failed submission, never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    await collector?.stop();
    collector = await startCollector(join(workspace.dir, 'reset'), ['--max-connections-per-address', '1']);
    const { port } = new URL(collector.url);
    // This idle connection takes the one slot; the kernel hands connections to the collector in
    // order, so every later one is over the cap and destroyed on arrival.
    const held = connect(Number(port), '127.0.0.1');
    const heldErrors: string[] = [];
    held.on('error', (error: NodeJS.ErrnoException) => heldErrors.push(error.code ?? error.message));
    try {
      await once(held, 'connect');
      const { failures } = await submitAtRate(collector.url, 5, 100);
      assert.equal(failures.length, 5);
      for (const failure of failures) assert.match(failure, /^(ECONNRESET|EPIPE)$/);
      // Rejections are reported once the microtask queue drains: give it a macrotask turn.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
      assert.deepEqual(heldErrors, [], 'the connection inside the cap is kept');
    } finally {
      held.destroy();
      process.off('unhandledRejection', record);
    }
    // Another client address has a slot of its own: the collector still serves.
    assert.equal(await submit(collector.url, tbotEvent(), { localAddress: '127.0.0.2' }), 200);
  });

  it('healthy: events arriving at 100/s go out in batches, each exactly once', async () => {
    posthog.answer = accept;
    const running = await run('healthy');
    const began = performance.now();
    const ids = await trickle(running.url, 200, 100);
    const elapsed = performance.now() - began;
    await posthog.until(() => posthog.accepted.length >= ids.length);
    // Nothing left to send: a duplicate could only have come before this.
    await eventually(() => metric(running.url, 'tbot_collector_forward_queue_depth'), 0);
    assert.deepEqual(posthog.accepted.map((event) => event.distinct_id).sort(), [...ids].sort());
    // About one request per 250 ms linger while events arrive, not one per event.
    const allowed = Math.ceil(elapsed / 250) + 2;
    assert.ok(posthog.requests.length <= allowed, `${posthog.requests.length} requests for ${ids.length} events over ${Math.round(elapsed)} ms; at most ${allowed} expected`);
    assert.equal(await metric(running.url, 'tbot_collector_forwarded_total'), ids.length);
    assert.deepEqual(warnings(running.stderr()), []);
  });

  it('honours Retry-After in seconds over the shorter backoff', async () => {
    posthog.answer = (_batch, res, index) => (index === 0 ? void res.writeHead(503, { 'retry-after': '2' }).end() : accept(_batch, res, index));
    const running = await run('retry-after');
    const [id] = await trickle(running.url, 1, 1);
    await posthog.until(() => posthog.accepted.length === 1);
    assert.equal(posthog.accepted[0]!.distinct_id, id);
    const gap = posthog.requests[1]!.at - posthog.requests[0]!.at;
    assert.ok(gap >= 1_950, `retried after ${Math.round(gap)} ms; Retry-After asked for 2 s (the backoff alone would be 0.5 s)`);
  });

  it('a poison event is bisected out and parked in dead-letter.ndjson; the rest, and later events, are forwarded', async () => {
    // PostHog refuses any batch that holds the bad event, as it does with a 400 for one malformed event.
    posthog.answer = (batch, res, index) =>
      batch.some((event) => event.properties['version'] === '6.6.6')
        ? void res.writeHead(400, { 'content-type': 'application/json' }).end('{"type":"validation_error","detail":"bad event"}')
        : accept(batch, res, index);
    const running = await run('poison');
    const good = [...(await trickle(running.url, 7, 1000)), ...(await trickle(running.url, 1, 1000, { version: '6.6.6' })), ...(await trickle(running.url, 4, 1000))];
    const poison = good.splice(7, 1)[0]!;
    await posthog.until(() => posthog.accepted.length >= good.length);
    const later = await trickle(running.url, 2, 100);
    await posthog.until(() => posthog.accepted.length >= good.length + later.length);
    assert.deepEqual(posthog.accepted.map((event) => event.distinct_id).sort(), [...good, ...later].sort());
    assert.ok(posthog.requests.length <= 16, `${posthog.requests.length} requests to find one bad event among 12`);
    const dead = (await readFile(join(workspace.dir, 'poison', 'dead-letter.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.equal(dead.length, 1);
    assert.equal(dead[0].reason, 'rejected');
    assert.match(dead[0].detail, /^HTTP 400: \{"type":"validation_error"/);
    assert.equal(JSON.parse(dead[0].line).event.distinctId, poison, 'the stored line, verbatim');
    assert.match(dead[0].segment, /^events-\d{4}-\d{2}-\d{2}\.ndjson$/);
    assert.equal(await metric(running.url, 'tbot_collector_forward_dead_lettered_total{reason="rejected"}'), 1);
    await eventually(() => metric(running.url, 'tbot_collector_forward_queue_depth'), 0);
  });

  it('a 401 is a configuration problem: retried, never parked', async () => {
    posthog.answer = (batch, res, index) => (index < 2 ? void res.writeHead(401).end('{"type":"authentication_error"}') : accept(batch, res, index));
    const running = await run('unauthorized');
    const ids = await trickle(running.url, 3, 1000);
    await posthog.until(() => posthog.accepted.length === 3);
    assert.deepEqual(posthog.accepted.map((event) => event.distinct_id).sort(), [...ids].sort());
    assert.deepEqual(
      (await readdir(join(workspace.dir, 'unauthorized'))).filter((name) => name.startsWith('dead')),
      [],
    );
    assert.match(running.stderr(), /ERROR PostHog refused the request; check --posthog-host and --posthog-api-key/);
  });

  it('stored lines that are not usable records are parked as invalid, counted, and skipped; the rest is forwarded', async () => {
    posthog.answer = accept;
    const dataDir = join(workspace.dir, 'damaged');
    await mkdir(dataDir, { mode: 0o700 });
    const now = new Date();
    const record = (event: unknown) => JSON.stringify({ received_at: now.toISOString(), family: 'tbot', event });
    const first = tbotEvent();
    const last = tbotEvent();
    const lines = [
      record(first),
      record({ ...tbotEvent(), start: null }),
      '{"received_at": not json',
      record({ ...tbotEvent(), start: { ...tbotEvent().start, destinationsDatabase: 'x' } }),
      JSON.stringify({ received_at: now.toISOString(), family: 'nosuchfamily', event: first }),
      record(last),
    ];
    await writeFile(join(dataDir, segmentName(now)), `${lines.join('\n')}\n`, { mode: 0o600 });
    await collector?.stop();
    posthog.accepted.length = 0;
    collector = await startCollector(dataDir, ['--posthog-host', posthog.url, '--posthog-api-key', 'phc_test']);
    await posthog.until(() => posthog.accepted.length === 2);
    assert.deepEqual(
      posthog.accepted.map((event) => event.distinct_id),
      [first.distinctId, last.distinctId],
    );
    const dead = (await readFile(join(dataDir, 'dead-letter.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      dead.map((entry) => entry.line),
      lines.slice(1, 5),
    );
    assert.ok(dead.every((entry) => entry.reason === 'invalid'));
    assert.equal(await metric(collector.url, 'tbot_collector_forward_dead_lettered_total{reason="invalid"}'), 4);
    const url = collector.url;
    await eventually(() => metric(url, 'tbot_collector_forward_queue_depth'), 0);
    assert.equal(await collector.stop(), 0);
    collector = undefined;
  });

  it('a 200 whose body never ends: every socket is released, the fd count stays flat', async () => {
    posthog.answer = (_batch, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":');
    };
    const running = await run('endless-body');
    const pid = running.child.pid!;
    const posthogPort = Number(new URL(posthog.url).port);
    /** Submits events and waits until PostHog was sent every one: each round takes at least one request of its own. */
    const round = async (count: number): Promise<void> => {
      const ids = await trickle(running.url, count, 1000);
      await posthog.until(() => {
        const sent = new Set(posthog.requests.flatMap((request) => request.batch.map((event) => event.distinct_id)));
        return ids.every((id) => sent.has(id));
      });
    };
    await round(10);
    const before = await fdCount(pid);
    const requestsBefore = posthog.requests.length;
    const rounds = 8;
    for (let i = 0; i < rounds; i += 1) await round(10);
    const requests = posthog.requests.length - requestsBefore;
    assert.ok(requests >= rounds, `only ${requests} requests were made in ${rounds} rounds`);
    // At most the exchange in progress holds a socket to PostHog; before the fix each one leaked.
    assert.ok((await socketsTo(pid, posthogPort)) <= 1, `${await socketsTo(pid, posthogPort)} sockets to PostHog are open after ${requests} requests`);
    const grown = (await fdCount(pid)) - before;
    assert.ok(grown <= 2, `fds grew by ${grown} over ${requests} requests`);
    assert.ok((await posthog.openConnections()) <= 1, 'PostHog still holds the forwarder connections');
    assert.deepEqual(warnings(running.stderr()), []);
  });
});
