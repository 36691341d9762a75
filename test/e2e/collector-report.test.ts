/** Reports over a seeded store: the numbers, the filters, the formats, and the HTML page as headless Chromium renders it. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { segmentName } from '../../src/collector/store/segments.js';
import { withBrowser } from '../helpers/browser.js';
import { COLLECTOR_BUNDLE } from '../helpers/collector-process.js';
import { countPixels, decodePng, type Image } from '../helpers/png.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const DAY_MS = 86_400_000;
const LONG_HELPER = 'gha:a-very-long-organisation-name-for-testing/an-action-name-too';

function record(daysAgo: number, runMode: string, joinType: string, helper?: string, options: { eventDaysAgo?: number; helperVersion?: string } = {}) {
  const at = new Date(Date.now() - daysAgo * DAY_MS);
  const timestamp = new Date(Date.now() - (options.eventDaysAgo ?? daysAgo) * DAY_MS);
  return {
    received_at: at.toISOString(),
    family: 'tbot',
    event: {
      distinctId: crypto.randomUUID(),
      timestamp: timestamp.toISOString(),
      start: {
        runMode,
        version: daysAgo > 3 ? '1.0.0' : '1.1.0',
        joinType,
        ...(helper === undefined ? {} : { helper, helperVersion: options.helperVersion ?? '1.2.0' }),
        destinationsOther: 1,
        destinationsDatabase: 1,
        destinationsKubernetes: 0,
        destinationsApplication: 2,
      },
    },
  };
}

const execFileAsync = promisify(execFile);

/** Runs the built report; rejects with its stderr on a non-zero exit. Tests run several at once. */
async function report(dataDir: string, ...args: string[]): Promise<string> {
  try {
    return (await execFileAsync(process.execPath, [COLLECTOR_BUNDLE, 'report', '--data-dir', dataDir, ...args], { encoding: 'utf8' })).stdout;
  } catch (error) {
    throw new Error((error as { stderr?: string }).stderr ?? String(error));
  }
}

const rgb = (hex: string): [number, number, number] => [Number.parseInt(hex.slice(1, 3), 16), Number.parseInt(hex.slice(3, 5), 16), Number.parseInt(hex.slice(5, 7), 16)];
const near = (image: Image, x: number, y: number, colour: [number, number, number], tolerance = 8): boolean => {
  const at = (y * image.width + x) * image.channels;
  return colour.every((value, index) => Math.abs(image.pixels[at + index]! - value) <= tolerance);
};
const dark = (image: Image, x: number, y: number): boolean => {
  const at = (y * image.width + x) * image.channels;
  return image.pixels[at]! < 90 && image.pixels[at + 1]! < 90 && image.pixels[at + 2]! < 90;
};

/** Measured in the page: overflow of the document, and whether every cut label is ellipsized and has a tooltip. */
const LAYOUT_CHECK = `(() => {
  const cut = [...document.querySelectorAll('.bars .label, .share .label, td:first-child, th:first-child')].filter((e) => e.scrollWidth > e.clientWidth);
  return {
    pageOverflow: Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth),
    cut: cut.length,
    cutWithoutTooltip: cut.filter((e) => e.title !== e.textContent).length,
    cutNotEllipsized: cut.filter((e) => getComputedStyle(e).textOverflow !== 'ellipsis' || getComputedStyle(e).overflowX !== 'hidden').length,
    notesOutsideTrack: [...document.querySelectorAll('.track span')].filter((e) => e.getBoundingClientRect().right > e.parentElement.getBoundingClientRect().right + 0.5).length,
  };
})()`;

describe('collector reports', () => {
  let workspace: Workspace;
  let dataDir: string;
  before(async () => {
    workspace = await makeWorkspace('tbot-report-');
    dataDir = join(workspace.dir, 'data');
    await mkdir(dataDir);
    const records = [
      ...Array.from({ length: 6 }, (_, i) => record(i % 5, 'RUN_MODE_ONE_SHOT', 'github', 'gha:teleport-actions/auth', { helperVersion: i < 4 ? '1.2.0' : '1.3.0' })),
      ...Array.from({ length: 3 }, (_, i) => record(i, 'RUN_MODE_DAEMON', 'iam')),
      record(1, 'RUN_MODE_DAEMON', 'kubernetes', LONG_HELPER),
      record(0, 'RUN_MODE_UNSPECIFIED', ''),
      record(0, 'RUN_MODE_ONE_SHOT', 'env0', undefined, { eventDaysAgo: 3 }), // arrived today, happened 3 days ago
      record(2, 'RUN_MODE_ONE_SHOT', 'env0', undefined, { eventDaysAgo: 1.5 }), // from a clock running ahead: counted on arrival
      record(40, 'RUN_MODE_ONE_SHOT', 'gitlab'), // outside the default 30-day window
    ];
    for (const item of records) await writeFile(join(dataDir, segmentName(new Date(item.received_at))), `${JSON.stringify(item)}\n`, { flag: 'a' });
  });
  after(() => workspace.remove());

  it('json: totals, run modes, join types, helpers with versions, cross-tabs and destinations over the last 30 days', async () => {
    const json = JSON.parse(await report(dataDir, '--format', 'json'));
    assert.equal(json.total, 13);
    assert.deepEqual(json.breakdowns.run_mode, { 'one-shot': 8, continuous: 4, unspecified: 1 });
    assert.deepEqual(json.breakdowns.join_type, { github: 6, iam: 3, kubernetes: 1, '(empty)': 1, env0: 2 });
    assert.deepEqual(json.breakdowns.helper, { 'gha:teleport-actions/auth': 6, '(none)': 6, [LONG_HELPER]: 1 });
    assert.deepEqual(json.helperVersions['gha:teleport-actions/auth'], { '1.2.0': 4, '1.3.0': 2 });
    assert.deepEqual(json.crossTabs.join_type.env0, { 'one-shot': 2 });
    assert.deepEqual(json.destinations, {
      configured: { database: 13, kubernetes: 0, application: 26, other: 13 },
      runsWith: { database: 13, kubernetes: 0, application: 13, other: 13 },
    });
    const perDay = json.perDay as Record<string, Record<string, number>>;
    assert.equal(
      Object.values(perDay).reduce((sum, day) => sum + Object.values(day).reduce((a, b) => a + b, 0), 0),
      13,
    );
    const day = (daysAgo: number): string => new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 10);
    // The back-dated start is on its own day; the one from the future is on its arrival day.
    assert.equal(perDay[day(3)]?.['one-shot'], 2, 'day 3: a seeded one-shot plus the back-dated one');
    assert.equal(perDay[day(2)]?.['one-shot'], 2, 'day 2: a seeded one-shot plus the clamped one');
  });

  it('worker threads and a single thread produce the same report', async () => {
    const [parallel, single] = (
      await Promise.all([
        report(dataDir, '--format', 'json', '--workers', '3', '--since', '60d', '--until', 'now'),
        report(dataDir, '--format', 'json', '--workers', '1', '--since', '60d', '--until', 'now'),
      ])
    ).map((text) => {
      const { window: _window, ...rest } = JSON.parse(text);
      return rest;
    });
    assert.deepEqual(parallel, single);
  });

  it('filters: --since/--until, --version, --helper, --run-mode', async () => {
    const cases: [string[], number][] = [
      [['--since', '60d'], 14],
      [['--since', '60d', '--until', '30d'], 1],
      [['--version', '1.1.0'], 12],
      [['--helper', 'gha:teleport-actions/auth'], 6],
      [['--helper', 'none'], 6],
      [['--run-mode', 'unspecified'], 1],
      [['--run-mode', 'continuous', '--helper', LONG_HELPER], 1],
    ];
    const totals = await Promise.all(cases.map(async ([args]) => JSON.parse(await report(dataDir, '--format', 'json', ...args)).total as number));
    assert.deepEqual(
      totals,
      cases.map(([, total]) => total),
    );
    await assert.rejects(report(dataDir, '--since', '2d', '--until', '3d'), /--until .* is not after --since/);
    await assert.rejects(report(dataDir, '--run-mode', 'sometimes'), /--run-mode: "sometimes" is not one of "one-shot", "continuous", "unspecified"/);
  });

  it('table and csv show the chosen breakdown: helpers with their versions, weeks, destinations', async () => {
    const [table, helperTable, helperCsv, destinations, weekCsv] = await Promise.all([
      report(dataDir, '--by', 'join_type'),
      report(dataDir, '--by', 'helper'),
      report(dataDir, '--by', 'helper', '--format', 'csv'),
      report(dataDir, '--by', 'destinations'),
      report(dataDir, '--by', 'week', '--format', 'csv'),
    ]);
    assert.match(table, /one-shot: 8 \(61\.5%\)\s+continuous: 4 \(30\.8%\)\s+unspecified: 1 \(7\.7%\)/);
    assert.match(table, /^github\s+6\s+46\.2%$/m);
    assert.match(table, /Unique installs and weekly active agents cannot be measured/);
    assert.match(helperTable, /^gha:teleport-actions\/auth\s+6\s+46\.2%\n {2}1\.2\.0\s+4\s+30\.8%\n {2}1\.3\.0\s+2\s+15\.4%$/m);
    assert.equal(
      helperCsv,
      `helper,helper_version,starts,share\n(none),,6,0.4615\ngha:teleport-actions/auth,,6,0.4615\ngha:teleport-actions/auth,1.2.0,4,0.3077\ngha:teleport-actions/auth,1.3.0,2,0.1538\n${LONG_HELPER},,1,0.0769\n${LONG_HELPER},1.2.0,1,0.0769\n`,
    );
    assert.match(destinations, /^application\s+26\s+13\s+100\.0%$/m);
    const weeks = weekCsv.trim().split('\n');
    assert.equal(weeks[0], 'week,starts,share,full_week,change');
    assert.equal(
      weeks.slice(1).reduce((sum, line) => sum + Number(line.split(',')[1]), 0),
      13,
    );
  });

  it('html: one self-contained page that headless Chromium renders at 1200 px and at 400 px without overflowing', async () => {
    const html = await report(dataDir, '--format', 'html');
    // Nothing to fetch: no src/href attributes, and a CSP that forbids loading anything.
    assert.doesNotMatch(html, /\s(src|href)=/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(html, /id="limits">Unique installs and weekly active agents cannot be measured/);
    assert.match(html, /id="window">\d{1,2} [A-Z][a-z]{2} \d{4} – \d{1,2} [A-Z][a-z]{2} \d{4} \(UTC\)/);
    for (const id of [
      'starts-per-day',
      'weekly-run-mode',
      'weekly-join-type',
      'weekly-helper',
      'weekly-version',
      'version-adoption',
      'versions',
      'helpers',
      'join-types',
      'cross-join-type',
      'cross-helper',
      'destination-mix',
    ])
      assert.match(html, new RegExp(`id="${id}"`), id);
    assert.match(html, new RegExp(`title="${LONG_HELPER}"`), 'a long label carries its full text as a tooltip');
    const page = join(workspace.dir, 'report.html');
    await writeFile(page, html);
    await withBrowser(workspace.dir, async (browser) => {
      for (const width of [1200, 400]) {
        const loaded = await browser.load(page, width);
        const png = await loaded.screenshot();
        await writeFile(join(workspace.dir, `report-${width}.png`), png);
        const image = decodePng(png);
        assert.equal(image.width, width);
        // The per-day chart in the run-mode colours, the green bar lists and the purple destination mix.
        assert.ok(countPixels(image, rgb('#2f6fdf')) > 100, `${width}: one-shot columns rendered`);
        assert.ok(countPixels(image, rgb('#e07b22')) > 100, `${width}: continuous columns rendered`);
        assert.ok(countPixels(image, rgb('#4a9d5b')) > 1_000, `${width}: bar lists rendered`);
        assert.ok(countPixels(image, rgb('#7b5ea7')) > 500, `${width}: destination mix rendered`);
        const [green, track] = [rgb('#4a9d5b'), rgb('#eef3ee')];
        let rightmostTrack = 0;
        for (let y = 0; y < image.height; y += 1) {
          // No label runs into a bar: within each row's green bar there is no dark text pixel.
          let first = -1;
          let last = -1;
          for (let x = 0; x < image.width; x += 1) {
            if (near(image, x, y, green)) {
              if (first < 0) first = x;
              last = x;
            }
            if (near(image, x, y, track, 2)) rightmostTrack = Math.max(rightmostTrack, x);
          }
          for (let x = first; first >= 0 && x <= last; x += 1) assert.ok(!dark(image, x, y), `${width}: text over a bar at ${x},${y}`);
        }
        // The bar tracks end inside the page's 16 px padding.
        assert.ok(rightmostTrack > width / 2 && rightmostTrack < width - 12, `${width}: bar tracks end at ${rightmostTrack}`);
        // What pixels cannot show, from the layout itself.
        const layout = (await loaded.evaluate(LAYOUT_CHECK)) as Record<string, number>;
        assert.equal(layout['pageOverflow'], 0, `${width}: the page is wider than the window`);
        assert.equal(layout['cutWithoutTooltip'], 0, `${width}: a cut label without its full text as a tooltip`);
        assert.equal(layout['cutNotEllipsized'], 0, `${width}: a cut label without an ellipsis`);
        assert.equal(layout['notesOutsideTrack'], 0, `${width}: a bar's note runs past its track`);
        if (width === 400) assert.ok(layout['cut']! > 0, 'at 400 px the long helper name is cut (so the checks above looked at something)');
      }
    });
  });
});
