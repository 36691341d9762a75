/**
 * `report connect` and `report discover` over a store filled through the running collector with
 * the known data sets: the numbers in every format, worker threads against one thread, plain
 * `report` still being the tbot report, and each HTML page as headless Chromium renders it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SUBMIT_CONNECT_EVENT_PATH, SUBMIT_CONNECT_EXTRA_EVENTS_PATH } from '../../src/protocol/connect-wire.js';
import { SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { COLLECTOR_BUNDLE, startCollector } from '../helpers/collector-process.js';
import { connectDataset, discoverDataset } from '../helpers/known-datasets.js';
import { launchBrowser, type LaunchedBrowser, OVERFLOW_CHECK, type Overflow } from '../helpers/browser.js';
import { countPixels, decodePng } from '../helpers/png.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const NOW = new Date();

async function post(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

/** A report's JSON without its windows, which end at each run's own "now". */
function withoutWindows(json: { window: unknown; summary: { previousWindow: unknown } }): unknown {
  const { window: _window, summary, ...rest } = json;
  const { previousWindow: _previous, ...strip } = summary;
  return { ...rest, strip };
}

const hex = (color: string): [number, number, number] => [1, 3, 5].map((index) => parseInt(color.slice(index, index + 2), 16)) as [number, number, number];

describe('connect and discover reports', () => {
  let workspace: Workspace;
  let dataDir: string;
  const report = (...args: string[]): string => execFileSync(process.execPath, [COLLECTOR_BUNDLE, 'report', ...args, '--data-dir', dataDir], { encoding: 'utf8' });

  /** Each family's HTML page, made once: the desktop and the phone tests look at the same page. */
  const pages = new Map<'connect' | 'discover', string>();
  const htmlPage = (family: 'connect' | 'discover'): string => {
    const made = pages.get(family) ?? report(family, '--format', 'html');
    pages.set(family, made);
    return made;
  };

  /** One Chromium for the file's pages: a launch costs far more than a page. */
  let browser: LaunchedBrowser;

  /** Renders the page in headless Chromium at 820 px and returns the decoded screenshot of all of it (kept beside it for a look). */
  async function screenshot(name: string, html: string): Promise<ReturnType<typeof decodePng>> {
    const page = join(workspace.dir, `${name}.html`);
    await writeFile(page, html);
    const png = await (await browser.load(page, 820)).screenshot();
    if (process.env['KEEP_REPORT_SCREENSHOTS'] !== undefined) await writeFile(join(process.env['KEEP_REPORT_SCREENSHOTS'], `${name}.png`), png);
    return decodePng(png);
  }

  before(async () => {
    workspace = await makeWorkspace('tbot-family-reports-');
    dataDir = join(workspace.dir, 'data');
    const collector = await startCollector(dataDir);
    try {
      const { requests } = discoverDataset(NOW);
      await post(collector.url, SUBMIT_EVENTS_PATH, { events: requests });
      const { prehog, extra } = connectDataset(NOW);
      for (const request of prehog) await post(collector.url, SUBMIT_CONNECT_EVENT_PATH, request);
      await post(collector.url, SUBMIT_CONNECT_EXTRA_EVENTS_PATH, { events: extra });
    } finally {
      await collector.stop();
    }
    browser = launchBrowser(workspace.dir);
  });
  after(async () => {
    await browser?.close();
    await workspace.remove();
  });

  it('report discover: funnels per resource type in json, table and csv; worker threads agree with one thread', () => {
    const json = JSON.parse(report('discover', '--format', 'json', '--workers', '1'));
    assert.equal(json.runs, 17);
    const server = json.resources.find((resource: { resource: string }) => resource.resource === 'DISCOVER_RESOURCE_SERVER');
    assert.deepEqual(
      server.funnel.map((step: { runs: number }) => step.runs),
      [10, 10, 8, 6, 5, 4],
    );
    assert.deepEqual(server.startToCompletion, { count: 4, medianSeconds: 155, p90Seconds: 215 });
    assert.deepEqual(withoutWindows(JSON.parse(report('discover', '--format', 'json', '--workers', '3'))), withoutWindows(json));

    const table = report('discover');
    assert.match(table, /17 wizard runs; 8 completed \(47\.1%\); 3 never chose a resource/);
    assert.match(table, /^ {2}deploy agent\s+8\s+80\.0%\s+2\s+2m00s\s+4m00s\s+0\s+2\s*$/m);
    assert.match(table, /^ {2}set up access\s+6\s+60\.0%\s+2\s+20s\s+20s\s+3\s+0\s+permission 3$/m);
    const csv = report('discover', '--format', 'csv').split('\n');
    assert.equal(csv[0], 'resource,step,runs,reached,conversion,drop_off,drop_off_rate,median_seconds,p90_seconds,timed_runs,errors,error_runs,top_error_class,aborted');
    assert.ok(csv.includes('DISCOVER_RESOURCE_SERVER,tp.ui.discover.deployService,8,10,0.8000,2,0.2000,120.000,240.000,8,0,0,,2'));
    assert.ok(csv.includes('DISCOVER_RESOURCE_SERVER,start_to_completion,4,10,0.4000,,,155.000,215.000,4,,,,'));
  });

  it('report connect: daily and weekly actives, features, platforms and connectors in json, table and csv', () => {
    const json = JSON.parse(report('connect', '--format', 'json'));
    assert.equal(json.installations, 4);
    assert.deepEqual(
      json.daily.map((day: { active: number }) => day.active),
      [3, 1, 2, 1, 2, 1, 2, 1, 2, 1, 3, 2, 3, 2],
    );
    assert.deepEqual(json.connectorTypes, [
      ['github', 2],
      ['saml', 1],
    ]);
    assert.deepEqual(withoutWindows(JSON.parse(report('connect', '--format', 'json', '--workers', '3'))), withoutWindows(json));
    const table = report('connect');
    assert.match(table, /from 4 installations/);
    assert.match(table, /trend: mean DAU 2\.0 over the last 7 days against 1\.7 the 7 before \(\+16\.7%\)/);
    // Features as the share of the 4 active installations that used each; the events stay beside it.
    assert.match(table, /^ {2}connect\.tab\.open\s+2\s+50\.0%\s+21$/m);
    assert.deepEqual(
      json.features.find((feature: { name: string }) => feature.name === 'connect.tab.open'),
      { name: 'connect.tab.open', events: 21, installations: 2, share: 0.5 },
    );
    // Human names, with the raw value kept beside them; the JSON and CSV keep the raw value alone.
    assert.match(table, /^ {2}Windows \(win32\)\s+1 inst\./m);
    assert.match(table, /^ {2}Terminal \(local shell\) \(doc\.terminal_shell\)\s+14 tabs/m);
    assert.match(table, /^ {2}GitHub SSO \(github\)\s+2 logins/m);
    assert.deepEqual(json.platforms.os, [
      ['darwin', 1],
      ['linux', 1],
      ['win32', 1],
    ]);
    // Weeks partly outside the window are marked and never compared.
    for (const week of json.weekly as { full: boolean; change: number | null }[]) if (!week.full) assert.equal(week.change, null);
    assert.match(table, /^ {2}\d{4}-\d{2}-\d{2}\*\s+\d+\s+–$/m);
    const csv = report('connect', '--format', 'csv');
    assert.match(csv, /^metric,key,value\n/);
    assert.match(csv, new RegExp(`^dau,${json.daily[0].day},3$`, 'm'));
    assert.match(csv, /^os_installations,darwin,1$/m);
    assert.match(csv, /^feature_share,connect\.tab\.open,0\.5000$/m);
    assert.match(csv, /^tab_kind,doc\.terminal_shell,14$/m);
  });

  it('plain `report` is still the tbot report, and `report tbot` is the same', () => {
    const plain = JSON.parse(report('--format', 'json'));
    assert.equal(plain.total, 0, 'Connect and Discover records are not tbot starts');
    assert.deepEqual(Object.keys(plain.breakdowns), ['run_mode', 'join_type', 'helper', 'version']);
    assert.equal(report('--by', 'join_type', '--format', 'csv'), report('tbot', '--by', 'join_type', '--format', 'csv'));
  });

  it('html (connect): a self-contained page whose DAU, WAU and bar charts Chromium renders', async () => {
    const html = htmlPage('connect');
    assert.doesNotMatch(html, /\s(src|href)=/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    const image = await screenshot('connect', html);
    assert.equal(image.width, 820);
    assert.ok(countPixels(image, hex('#2f6fdf')) > 2_000, 'daily active columns');
    assert.ok(countPixels(image, hex('#e07b22')) > 2_000, 'weekly active columns');
    assert.ok(countPixels(image, hex('#4a9d5b')) > 5_000, 'feature, kind, platform and connector bars');
    assert.match(html, /<div class="label" title="win32">Windows<\/div>/, 'a human label with its raw value as the tooltip');
    assert.match(html, /id="summary-strip"/);
  });

  it('html (discover): a self-contained page with a funnel chart per resource type that Chromium renders', async () => {
    const html = htmlPage('discover');
    assert.doesNotMatch(html, /\s(src|href)=/);
    assert.equal((html.match(/<div class="funnel" id="funnel-\d+"/g) ?? []).length, 3);
    assert.doesNotMatch(html, /<svg(?![^>]*viewBox)[^>]*>/, 'every SVG has a viewBox');
    assert.doesNotMatch(html, /width="\d+"/, 'no chart has a fixed width');
    assert.match(html, /title="DISCOVER_RESOURCE_SERVER">server<\/div>/, "the raw resource value is the label's tooltip");
    const image = await screenshot('discover', html);
    assert.ok(countPixels(image, hex('#7b4fd6')) > 10_000, 'funnel bars');
    assert.ok(countPixels(image, hex('#d9cdf5')) > 3_000, 'funnel bands');
    assert.ok(countPixels(image, hex('#0f8a8a')) > 1_000, 'completion bars');
    assert.ok(countPixels(image, hex('#4a9d5b')) > 1_000, 'error-class and aborted bars');
  });

  it('on a phone (390 px), no chart, number or label of the Connect and Discover pages runs off the screen or is cut', async () => {
    for (const name of ['connect', 'discover'] as const) {
      const html = htmlPage(name);
      const file = join(workspace.dir, `${name}-phone.html`);
      await writeFile(file, html);
      const loaded = await browser.load(file, 390);
      if (process.env['KEEP_REPORT_SCREENSHOTS'] !== undefined) await writeFile(join(process.env['KEEP_REPORT_SCREENSHOTS'], `${name}-390.png`), await loaded.screenshot());
      const overflow = (await loaded.evaluate(OVERFLOW_CHECK)) as Overflow;
      assert.deepEqual(overflow, { pageOverflow: 0, wide: [], cut: [] }, `${name} at 390 px`);
    }
    // Positive control: a fixed 700 px SVG, as the Discover charts had, is caught.
    const fixed = join(workspace.dir, 'fixed.html');
    await writeFile(fixed, '<!doctype html><meta name="viewport" content="width=device-width"><svg width="700" height="20"><text x="650" y="15">42</text></svg>');
    const caught = (await (await browser.load(fixed, 390)).evaluate(OVERFLOW_CHECK)) as Overflow;
    assert.ok(caught.wide.length > 0, 'the check sees an element wider than the screen');
  });
});
