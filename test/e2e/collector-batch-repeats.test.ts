/**
 * Issue 18, "batches may repeat a distinctId": what one request's repeated ids mean, per family.
 * A tbot start's distinct id is random and its own, so a second event with it is the same start
 * sent twice: stored once. Connect's installation id and Discover's run id repeat on every event
 * by design, so each event counts; only a whole-event copy is a resend. Dropped copies are
 * counted in /metrics, and the reports count what was stored.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONNECT_EVENTS, SUBMIT_CONNECT_EXTRA_EVENTS_PATH } from '../../src/protocol/connect-wire.js';
import { SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { SUBMIT_TBOT_EVENTS_PATH } from '../../src/protocol/tbot-wire.js';
import { runCollector, startCollector, storedLines, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { connectRequest, discoverRequest, discoverStep } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

async function post(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

describe('repeated ids within one batch', () => {
  let workspace: Workspace;
  let dataDir: string;
  let collector: RunningCollector;
  const linesWith = async (text: string): Promise<number> => (await storedLines(dataDir)).filter((line) => line.includes(text)).length;

  before(async () => {
    workspace = await makeWorkspace('tbot-repeats-');
    dataDir = join(workspace.dir, 'data');
    collector = await startCollector(dataDir);
  });
  after(async () => {
    await collector.stop();
    await workspace.remove();
  });

  it('stores a tbot start once when a batch carries its distinct id twice, and counts the copy', async () => {
    const start = tbotEvent({ version: '9.9.1' });
    const resent = { ...start, timestamp: new Date(Date.parse(start.timestamp) + 1).toISOString() };
    await post(collector.url, SUBMIT_TBOT_EVENTS_PATH, { events: [start, tbotEvent({ version: '9.9.1' }), resent] });
    assert.equal(await linesWith('"version":"9.9.1"'), 2);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, /^tbot_collector_repeated_events_dropped_total\{family="tbot"\} 1$/m);
    const report = await runCollector(['report', 'tbot', '--version', '9.9.1', '--format', 'json', '--data-dir', dataDir]);
    assert.equal((JSON.parse(report.stdout) as { total: number }).total, 2);
  });

  it('counts every Connect event of one installation, and drops only a byte-for-byte copy', async () => {
    const installation = crypto.randomUUID();
    const tab = CONNECT_EVENTS.find((spec) => spec.member === 'tabOpen')!;
    const at = Date.now() - 60_000;
    const first = connectRequest(tab, installation, new Date(at).toISOString());
    const second = connectRequest(tab, installation, new Date(at + 1).toISOString());
    await post(collector.url, SUBMIT_CONNECT_EXTRA_EVENTS_PATH, { events: [first, second, structuredClone(first)] });
    assert.equal(await linesWith(installation), 2);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, /^tbot_collector_repeated_events_dropped_total\{family="connect"\} 1$/m);
  });

  it('counts every step of one Discover run, and drops a byte-for-byte copy and a copy by identity', async () => {
    const runId = crypto.randomUUID();
    const timestamp = new Date(Date.now() - 60_000).toISOString();
    const started = discoverRequest(discoverStep('started'), { runId, timestamp });
    const selected = discoverRequest(discoverStep('resource selection'), { runId, timestamp });
    // Two different errors that redact to the same stored text at the same instant are one event
    // by identity (the store's uuid): stored once, as PostHog would count them.
    const failed = (error: string) => discoverRequest(discoverStep('test connection'), { runId, timestamp, status: 'DISCOVER_STATUS_ERROR', error });
    await post(collector.url, SUBMIT_EVENTS_PATH, {
      events: [started, selected, structuredClone(selected), failed('db-a.example.com refused'), failed('db-b.example.com refused')],
    });
    assert.equal(await linesWith(runId), 3);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, /^tbot_collector_repeated_events_dropped_total\{family="discover"\} 1$/m);
  });
});
