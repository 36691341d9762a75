/**
 * The Connect and Discover report maths on generated data with known answers. The events go
 * through the real ingest services (so error screening and timestamp handling are the ones the
 * collector applies) into real segments, and are folded in two halves that are then merged, as
 * worker threads do.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ANONYMOUS_CALLER, type IngestService } from '../../src/collector/ingest/service.js';
import { connectServices } from '../../src/collector/ingest/services/connect.js';
import { teleportEventServices } from '../../src/collector/ingest/services/teleport-events.js';
import { connectFold } from '../../src/collector/report/connect/fold.js';
import { formatConnectTable } from '../../src/collector/report/connect/format.js';
import { summarizeConnect } from '../../src/collector/report/connect/summary.js';
import { discoverFold } from '../../src/collector/report/discover/fold.js';
import { NO_RESOURCE, summarizeDiscover } from '../../src/collector/report/discover/summary.js';
import { buildReport, scan, type Fold } from '../../src/collector/report/fold.js';
import { weekOf, type ReportWindow } from '../../src/collector/report/window.js';
import { SegmentReader, segmentName } from '../../src/collector/store/segments.js';
import { connectDataset, discoverDataset } from '../helpers/known-datasets.js';
import { makeWorkspace } from '../helpers/workspace.js';

const NOW = new Date();

/** Stores what `service` accepts from each request, as the server would, in today's segment. */
async function store(dir: string, service: IngestService, requests: Record<string, unknown>[], batch: boolean): Promise<void> {
  const bodies = batch ? [{ events: requests }] : requests;
  const lines = bodies.flatMap((body) => {
    const accepted = service.accept('json', Buffer.from(JSON.stringify(body)), NOW, ANONYMOUS_CALLER);
    return accepted.events.map((event, index) => JSON.stringify({ received_at: NOW.toISOString(), family: accepted.families?.[index] ?? service.family, event }));
  });
  await writeFile(join(dir, segmentName(NOW)), `${lines.join('\n')}\n`, { flag: 'a' });
}

/** The fold run over two halves of the records, merged: what worker threads amount to. */
async function foldInHalves<R>(fold: Fold<R>, family: string, dir: string, window: ReportWindow): Promise<R> {
  const lines: string[] = [];
  for await (const line of new SegmentReader(dir).lines(segmentName(NOW))) lines.push(line);
  const merged = fold.empty(window, {});
  for (const index of [0, 1]) {
    const half = join(dir, `half-${index}`);
    await mkdir(half);
    await writeFile(join(half, segmentName(NOW)), `${lines.filter((_, position) => position % 2 === index).join('\n')}\n`);
    // structuredClone: a worker's tally arrives through postMessage.
    fold.merge(merged, structuredClone((await scan(fold, { dir: half, segments: [segmentName(NOW)], windows: [window], family, options: {} }))[0]!));
  }
  return merged;
}

describe('discover funnel maths', () => {
  it('gives the known step counts, conversions, drop-offs, median and p90 times, errors and aborts', async () => {
    const workspace = await makeWorkspace('tbot-discover-unit-');
    try {
      const { requests } = discoverDataset(NOW);
      await store(workspace.dir, teleportEventServices[1]!, requests, true);
      const window = { since: new Date(NOW.getTime() - 30 * 86_400_000).toISOString(), until: NOW.toISOString() };
      const whole = summarizeDiscover(await buildReport(discoverFold, 'discover', workspace.dir, window, {}));
      const halves = summarizeDiscover(await foldInHalves(discoverFold, 'discover', workspace.dir, window));
      assert.deepEqual(halves, whole, 'merging partial tallies changes nothing');

      assert.equal(whole.total, requests.length);
      assert.equal(whole.runs, 17);
      assert.equal(whole.withoutResource, 3);
      assert.equal(whole.completed, 4 + 4);
      const server = whole.resources.find((resource) => resource.resource === 'DISCOVER_RESOURCE_SERVER')!;
      assert.equal(server.runs, 10);
      assert.deepEqual(
        server.funnel.map((step) => [step.label, step.runs, step.conversion, step.dropOff]),
        [
          ['started', 10, 1, 0],
          ['resource selection', 10, 1, 0],
          ['deploy agent', 8, 0.8, 2],
          ['set up access', 6, 0.6, 2],
          ['test connection', 5, 0.5, 1],
          ['completed', 4, 0.4, 1],
        ],
      );
      const step = (label: string) => server.funnel.find((candidate) => candidate.label === label)!;
      // Deploy took 30, 60, ..., 240 s: nearest-rank median is the 4th of 8 values, p90 the 8th.
      assert.deepEqual(step('deploy agent').time, { count: 8, medianSeconds: 120, p90Seconds: 240 });
      assert.deepEqual(step('resource selection').time, { count: 10, medianSeconds: 60, p90Seconds: 60 });
      // Start to completion 125, 155, 185, 215 s: the 2nd and the 4th of 4 values.
      assert.deepEqual(server.startToCompletion, { count: 4, medianSeconds: 155, p90Seconds: 215 });
      assert.equal(server.completionRate, 0.4);
      assert.deepEqual([step('set up access').errors, step('set up access').errorRuns, step('set up access').errorClasses], [3, 2, { permission: 3 }]);
      assert.deepEqual(step('test connection').errorClasses, { connection: 1 }, 'the redacted error keeps its class');
      assert.equal(server.mostErrorsAt, 'set up access');
      assert.equal(step('deploy agent').aborted, 2);
      assert.equal(server.aborted, 2);

      const postgres = whole.resources.find((resource) => resource.resource === 'DISCOVER_RESOURCE_DATABASE_POSTGRES_SELF_HOSTED')!;
      assert.deepEqual(
        postgres.funnel.map((entry) => entry.runs),
        [4, 4, 4, 4, 4, 4, 4, 4],
        'a skipped step counts as passed',
      );
      assert.deepEqual(postgres.startToCompletion, { count: 4, medianSeconds: 70, p90Seconds: 70 });
      assert.equal(postgres.completionRate, 1);

      const none = whole.resources.find((resource) => resource.resource === NO_RESOURCE)!;
      assert.equal(none.runs, 3);
      assert.deepEqual(
        none.funnel.map((entry) => [entry.label, entry.runs, entry.aborted]),
        [
          ['started', 3, 0],
          ['resource selection', 0, 1],
        ],
      );
      assert.deepEqual(whole.errorClasses, { permission: 3, connection: 1 });
    } finally {
      await workspace.remove();
    }
  });
});

describe('connect usage maths', () => {
  it('counts DAU by distinct id per day, WAU by week, the trend, features, platforms and connectors', async () => {
    const workspace = await makeWorkspace('tbot-connect-unit-');
    try {
      const { prehog, extra, activeByDay } = connectDataset(NOW);
      await store(workspace.dir, connectServices[0]!, prehog, false);
      await store(workspace.dir, connectServices[2]!, extra, true);
      const window = { since: new Date(NOW.getTime() - 30 * 86_400_000).toISOString(), until: NOW.toISOString() };
      const whole = summarizeConnect(await buildReport(connectFold, 'connect', workspace.dir, window, {}));
      assert.deepEqual(summarizeConnect(await foldInHalves(connectFold, 'connect', workspace.dir, window)), whole, 'merging partial tallies changes nothing');

      assert.equal(whole.total, prehog.length + extra.length);
      assert.equal(whole.installations, 4);
      assert.deepEqual(
        whole.daily.map((day) => day.active),
        [3, 1, 2, 1, 2, 1, 2, 1, 2, 1, 3, 2, 3, 2],
      );
      assert.equal(whole.daily.length, 14);
      assert.deepEqual(whole.trend, { last7: 2, previous7: 12 / 7, change: 2 / (12 / 7) - 1 });
      // Weeks start on Monday, so which days share a week depends on today's weekday.
      const expectedWeeks = new Map<string, Set<string>>();
      whole.daily.forEach((day, index) => {
        const week = expectedWeeks.get(weekOf(day.day)) ?? expectedWeeks.set(weekOf(day.day), new Set()).get(weekOf(day.day))!;
        for (const id of activeByDay[index]!) week.add(id);
      });
      assert.deepEqual(
        whole.weekly.map((week) => [week.week, week.active]),
        [...expectedWeeks].map(([week, ids]) => [week, ids.size]),
      );
      assert.deepEqual(
        whole.features.find((feature) => feature.name === 'connect.tab.open'),
        { name: 'connect.tab.open', events: 14 + 7, installations: 2, share: 2 / 4 },
      );
      assert.deepEqual(
        whole.features.find((feature) => feature.name === 'connect.start'),
        { name: 'connect.start', events: 14 + 1 + 1, installations: 3, share: 3 / 4 },
      );
      assert.deepEqual(whole.tabKinds, [
        ['doc.terminal_shell', 14],
        ['doc.gateway', 7],
      ]);
      assert.deepEqual(whole.connectionKinds, [['connection.server', 4]]);
      assert.deepEqual(whole.platforms.os, [
        ['darwin', 1],
        ['linux', 1],
        ['win32', 1],
      ]);
      assert.deepEqual(whole.platforms.versions, [
        ['17.0.1', 2],
        ['17.0.0', 1],
      ]);
      assert.deepEqual(whole.connectorTypes, [
        ['github', 2],
        ['saml', 1],
      ]);
      // In the table, each count ends in the column of its heading.
      const lines = formatConnectTable(whole).split('\n');
      const heading = lines.find((line) => line.startsWith('features (share')) ?? '';
      const tabOpen = lines.find((line) => line.trimStart().startsWith('connect.tab.open ')) ?? '';
      assert.equal(tabOpen.indexOf(' 50.0% ') + ' 50.0%'.length, heading.lastIndexOf('share') + 'share'.length, `${heading}\n${tabOpen}`);
      assert.ok(tabOpen.endsWith(' 21'), tabOpen);
      assert.equal(tabOpen.length, heading.length, `${heading}\n${tabOpen}`);
    } finally {
      await workspace.remove();
    }
  });
});
