/** Reports over a seeded store: the numbers, the formats, and the HTML page as headless Chromium renders it. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { segmentName } from '../../src/collector/store/segments.js';
import { COLLECTOR_BUNDLE } from '../helpers/collector-process.js';
import { countPixels, decodePng } from '../helpers/png.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const DAY_MS = 86_400_000;

function record(daysAgo: number, runMode: string, joinType: string, helper?: string) {
  const at = new Date(Date.now() - daysAgo * DAY_MS);
  return {
    received_at: at.toISOString(),
    event: {
      distinctId: crypto.randomUUID(),
      timestamp: at.toISOString(),
      start: { runMode, version: daysAgo > 3 ? '1.0.0' : '1.1.0', joinType, ...(helper === undefined ? {} : { helper, helperVersion: '1.2.0' }), destinationsOther: 1, destinationsDatabase: 1, destinationsKubernetes: 0, destinationsApplication: 2 },
    },
  };
}

function report(dataDir: string, ...args: string[]): string {
  return execFileSync(process.execPath, [COLLECTOR_BUNDLE, 'report', '--data-dir', dataDir, ...args], { encoding: 'utf8' });
}

describe('collector reports', () => {
  let workspace: Workspace;
  let dataDir: string;
  before(async () => {
    workspace = await makeWorkspace('tbot-report-');
    dataDir = join(workspace.dir, 'data');
    await mkdir(dataDir);
    const records = [
      ...Array.from({ length: 6 }, (_, i) => record(i % 5, 'RUN_MODE_ONE_SHOT', 'github', 'gha:teleport-actions/auth')),
      ...Array.from({ length: 3 }, (_, i) => record(i, 'RUN_MODE_DAEMON', 'iam')),
      record(1, 'RUN_MODE_DAEMON', 'kubernetes'),
      record(40, 'RUN_MODE_ONE_SHOT', 'gitlab'), // outside the default 30-day window
    ];
    for (const item of records) {
      const file = join(dataDir, segmentName(new Date(item.received_at)));
      await writeFile(file, `${JSON.stringify(item)}\n`, { flag: 'a' });
    }
  });
  after(() => workspace.remove());

  it('json: totals, run-mode share, join types, helpers, versions and destination mix over the last 30 days', () => {
    const json = JSON.parse(report(dataDir, '--format', 'json'));
    assert.equal(json.total, 10);
    assert.deepEqual(json.breakdowns.run_mode, { 'one-shot': 6, continuous: 4 });
    assert.deepEqual(json.breakdowns.join_type, { github: 6, iam: 3, kubernetes: 1 });
    assert.deepEqual(json.breakdowns.helper, { 'gha:teleport-actions/auth@1.2.0': 6, '(none)': 4 });
    assert.equal(json.breakdowns.version['1.1.0'] + json.breakdowns.version['1.0.0'], 10);
    assert.deepEqual(json.destinations, { total: 40, database: 10, kubernetes: 0, application: 20, other: 10 });
    assert.equal(Object.values(json.perDay as Record<string, { 'one-shot': number; continuous: number }>).reduce((sum, day) => sum + day['one-shot'] + day.continuous, 0), 10);
  });

  it('worker threads and a single thread produce the same report', () => {
    assert.deepEqual(JSON.parse(report(dataDir, '--format', 'json', '--workers', '3')).breakdowns, JSON.parse(report(dataDir, '--format', 'json', '--workers', '1')).breakdowns);
    const [parallel, single] = [report(dataDir, '--format', 'json', '--workers', '3', '--since', '60d'), report(dataDir, '--format', 'json', '--workers', '1', '--since', '60d')].map((text) => {
      const { since: _since, ...rest } = JSON.parse(text);
      return rest;
    });
    assert.deepEqual(parallel, single);
  });

  it('--since widens the window; table and csv show the chosen breakdown', () => {
    assert.equal(JSON.parse(report(dataDir, '--format', 'json', '--since', '60d')).total, 11);
    const table = report(dataDir, '--by', 'join_type');
    assert.match(table, /one-shot \(CI\): 6 \(60\.0%\)\s+continuous \(host\): 4 \(40\.0%\)/);
    assert.match(table, /^github\s+6\s+60\.0%$/m);
    assert.equal(report(dataDir, '--by', 'helper', '--format', 'csv'), 'helper,starts,share\ngha:teleport-actions/auth@1.2.0,6,0.6000\n(none),4,0.4000\n');
  });

  it('html: one self-contained page that headless Chromium renders with its charts', async () => {
    const html = report(dataDir, '--format', 'html');
    // Nothing to fetch: no src/href attributes, and a CSP that forbids loading anything.
    assert.doesNotMatch(html, /\s(src|href)=/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    const page = join(workspace.dir, 'report.html');
    await writeFile(page, html);
    const screenshot = join(workspace.dir, 'report.png');
    execFileSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(workspace.dir, 'chromium-profile')}`, '--hide-scrollbars', '--window-size=800,1400', `--screenshot=${screenshot}`, `file://${page}`], { stdio: 'ignore', timeout: 60_000 });
    const image = decodePng(await readFile(screenshot));
    assert.equal(image.width, 800);
    // The starts-per-day chart's bars in both run-mode colours, and the green join-type/helper bars.
    assert.ok(countPixels(image, [0x2f, 0x6f, 0xdf]) > 200, 'one-shot bars rendered');
    assert.ok(countPixels(image, [0xe0, 0x7b, 0x22]) > 200, 'continuous bars rendered');
    assert.ok(countPixels(image, [0x4a, 0x9d, 0x5b]) > 1_000, 'join type and helper bars rendered');
  });
});
