/**
 * Three collectors on one PostgreSQL and one fake PostHog, as a fleet behind a load balancer runs:
 * whichever holds the forwarder lock forwards for all of them. Under load, the holder is killed
 * with SIGKILL and later restarted; the test then checks what a PostHog user relies on:
 * - every acknowledged event reached PostHog, once by uuid (a resend of the killed holder's last
 *   batch, which PostHog drops by uuid, is the only repeat there may be);
 * - another instance took the lock within seconds of the kill;
 * - two instances never had a request to PostHog open at the same time;
 * - `report --store` from any instance's machine shows the union of what all of them received.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { eventually, metric, runCollector, startCollector, submit, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { startPostgres, type PgServer } from '../helpers/postgres.js';
import { accept, startPostHog, type PostHogStub } from '../helpers/posthog-stub.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const INSTANCES = ['a', 'b', 'c'] as const;
type Name = (typeof INSTANCES)[number];
const EVENTS_PER_PHASE = 300;
/** How many submissions are in flight at once, across the fleet. */
const CONCURRENCY = 12;
/** LOCK_RETRY_MS (2 s) plus the time to notice a dead session and connect: "within seconds". */
const TAKEOVER_BOUND_MS = 10_000;

describe('a fleet of collectors on one PostgreSQL', () => {
  let server: PgServer;
  let posthog: PostHogStub;
  let workspace: Workspace;
  let storeUrl: string;
  const running = new Map<Name, RunningCollector>();
  /** distinctId of every event some instance acknowledged with 200. */
  const acknowledged = new Set<string>();
  /** Events whose submission failed: stored or not, nobody can say (the answer was lost). */
  const unanswered = new Set<string>();
  let victim: Name;
  let takeoverMs = 0;
  /** A fixed report window around the whole run, so every report sees the same one. */
  let windowSince: string | undefined;

  const start = async (name: Name): Promise<void> => {
    const collector = await startCollector(join(workspace.dir, name), ['--store', storeUrl, '--posthog-host', posthog.url, '--posthog-api-key', `phc_instance_${name}`]);
    running.set(name, collector);
  };
  const holders = async (): Promise<Name[]> => {
    const held: Name[] = [];
    for (const [name, collector] of running) if ((await metric(collector.url, 'tbot_collector_forwarder_lock_held')) === 1) held.push(name);
    return held;
  };
  /** Submits `count` events round-robin over the running instances, CONCURRENCY at a time. */
  const load = async (count: number): Promise<void> => {
    const targets = [...running.values()];
    windowSince ??= new Date(Date.now() - 60_000).toISOString();
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < count; index = next++) {
        const event = tbotEvent({ version: `1.${index % 5}.0` });
        // A submission to the instance being killed fails (reset, refused): never acknowledged, so
        // the sender would retry it elsewhere; it must not reach PostHog unless it was stored.
        const status = await submit(targets[index % targets.length]!.url, event).catch(() => 0);
        if (status === 200) acknowledged.add(event.distinctId);
        else unanswered.add(event.distinctId);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };

  before(async () => {
    server = await startPostgres();
    storeUrl = await server.createDatabase();
    workspace = await makeWorkspace('tbot-fleet-');
    // A short pause before each answer keeps every exchange open a while, so two forwarders
    // active at once would show as overlapping requests.
    posthog = await startPostHog((batch, res, index) => void setTimeout(() => accept(batch, res, index), 20));
    for (const name of INSTANCES) await start(name);

    await eventually(async () => (await holders()).length, 1, 20_000);
    await load(EVENTS_PER_PHASE);
    [victim] = (await holders()) as [Name];
    // Mid-load: the holder has forwarded, and more is arriving while it dies.
    await posthog.until(() => posthog.requests.some((request) => request.apiKey === `phc_instance_${victim}`), 30_000);
    const midLoad = load(EVENTS_PER_PHASE);
    running.get(victim)!.child.kill('SIGKILL');
    const killedAt = performance.now();
    await running.get(victim)!.stop();
    running.delete(victim);
    await eventually(async () => (await holders()).length, 1, TAKEOVER_BOUND_MS + 5_000);
    takeoverMs = performance.now() - killedAt;
    await midLoad;
    // Restarted on its own data directory: its shipper sends what it acknowledged before dying.
    await start(victim);
    await load(EVENTS_PER_PHASE);
    // Settled: every outbox shipped, and every row of the shared store forwarded.
    const client = new pg.Client({ connectionString: storeUrl });
    await client.connect();
    try {
      const unsettled = async (): Promise<number> => {
        let backlog = 0;
        for (const collector of running.values()) backlog += await metric(collector.url, 'tbot_collector_outbox_backlog_events');
        const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM collector_events WHERE forwarded_at IS NULL');
        return backlog + Number(rows[0]?.count);
      };
      await eventually(unsettled, 0, 60_000);
    } finally {
      await client.end();
    }
  });
  after(async () => {
    for (const collector of running.values()) await collector.stop();
    await posthog?.close();
    await server?.stop();
    await workspace?.remove();
  });

  it('every acknowledged event reached PostHog once by uuid; repeats only from the killed holder', () => {
    assert.ok(acknowledged.size >= EVENTS_PER_PHASE * 2, `only ${acknowledged.size} events were acknowledged`);
    const uuidsByEvent = new Map<string, Set<string>>();
    for (const event of posthog.accepted) (uuidsByEvent.get(event.distinct_id) ?? uuidsByEvent.set(event.distinct_id, new Set()).get(event.distinct_id)!).add(event.uuid);
    // A submission whose answer was lost (the instance died) may or may not have been stored.
    assert.deepEqual(
      [...uuidsByEvent.keys()].filter((id) => !acknowledged.has(id) && !unanswered.has(id)),
      [],
      'PostHog got events nobody submitted',
    );
    assert.deepEqual(
      [...acknowledged].filter((id) => !uuidsByEvent.has(id)),
      [],
      'acknowledged events missing in PostHog',
    );
    assert.deepEqual(
      [...uuidsByEvent].filter(([, uuids]) => uuids.size !== 1),
      [],
      'one event under two uuids would be counted twice',
    );
    // A raw repeat is a batch resent after a crash between PostHog's 200 and the mark: only the
    // killed holder's batches can be that.
    const fromVictim = new Set(posthog.requests.filter((request) => request.apiKey === `phc_instance_${victim}`).flatMap((request) => request.batch.map((event) => event.uuid)));
    const repeated = [...posthog.deliveries].filter(([, count]) => count > 1).map(([uuid]) => uuid);
    assert.deepEqual(
      repeated.filter((uuid) => !fromVictim.has(uuid)),
      [],
    );
  });

  it('another instance took the forwarder lock within seconds of the kill', () => {
    assert.ok(takeoverMs < TAKEOVER_BOUND_MS, `took ${Math.round(takeoverMs)} ms`);
    const senders = new Set(posthog.requests.map((request) => request.apiKey));
    assert.ok(senders.size >= 2, `only ${[...senders].join(', ')} forwarded`);
    assert.ok(senders.has(`phc_instance_${victim}`));
  });

  it('two instances never had a request to PostHog open at the same time', () => {
    const requests = posthog.requests
      .map((request) => ({ who: request.apiKey, began: request.began, ended: request.ended ?? Number.POSITIVE_INFINITY }))
      .sort((a, b) => a.began - b.began);
    assert.ok(requests.length >= 3);
    for (let index = 1; index < requests.length; index += 1) {
      const [previous, current] = [requests[index - 1]!, requests[index]!];
      if (previous.who !== current.who) assert.ok(previous.ended <= current.began, `${previous.who} and ${current.who} were both sending to PostHog`);
    }
    // And within one instance, one request at a time as well: the forwarder never pipelines.
    for (let index = 1; index < requests.length; index += 1) assert.ok(requests[index - 1]!.ended <= requests[index]!.began);
  });

  it('report --store shows the union from any instance, and /metrics names the one holder', async () => {
    const outputs: string[] = [];
    const window = ['--since', windowSince!, '--until', new Date(Date.now() + 3_600_000).toISOString()];
    for (const name of INSTANCES) {
      const run = await runCollector(['report', 'tbot', '--format', 'json', ...window, '--data-dir', join(workspace.dir, name), '--store', storeUrl], {}, 30_000);
      assert.equal(run.code, 0, run.stderr);
      outputs.push(run.stdout);
    }
    assert.equal(outputs[1], outputs[0]);
    assert.equal(outputs[2], outputs[0]);
    const { total } = JSON.parse(outputs[0]!) as { total: number };
    assert.ok(total >= acknowledged.size && total <= acknowledged.size + unanswered.size, `${total} starts for ${acknowledged.size} acknowledged`);
    assert.equal(total, new Set(posthog.accepted.map((event) => event.uuid)).size, 'the report and PostHog count the same events');
    assert.equal((await holders()).length, 1);
  });
});
