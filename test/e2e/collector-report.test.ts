/** Reports over a seeded store: the numbers, the filters, the formats, and the HTML page as headless Chromium renders it. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RATE_COLORS } from '../../src/collector/report/html-kit.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { OVERFLOW_CHECK, type Overflow, withBrowser } from '../helpers/browser.js';
import { COLLECTOR_BUNDLE, heartbeatEvent } from '../helpers/collector-process.js';
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

/** Measured in the page: how the long helper name is laid out, and whether each bar's note stays in its track. */
const LAYOUT_CHECK = `(() => {
  const long = [...document.querySelectorAll('.bars .label, td:first-child')].filter((e) => e.textContent === ${JSON.stringify(LONG_HELPER)});
  return {
    longShown: long.length,
    longCut: long.filter((e) => e.scrollWidth > e.clientWidth + 0.5).length,
    longWrapped: long.filter((e) => e.getBoundingClientRect().height > 24).length,
    notesOutsideTrack: [...document.querySelectorAll('.track span')].filter((e) => e.getBoundingClientRect().right > e.parentElement.getBoundingClientRect().right + 0.5).length,
  };
})()`;

/** A continuous agent's daily heartbeat: 48 renewals a day, `failures` of them failed. */
function heartbeat(daysAgo: number, failures: number) {
  const at = new Date(Date.now() - daysAgo * DAY_MS).toISOString();
  return {
    received_at: at,
    family: 'tbot.heartbeat',
    event: heartbeatEvent({ version: '1.1.0', renewals: 48 - failures, renewalFailures: failures, uptimeBucket: 'UPTIME_BUCKET_8_30D' }, { timestamp: at }),
  };
}

/** Days ago of the renewal incident among the seeded heartbeats: 4 of 48 renewals failed (8.3%), against 0 to 2.1% on the other days. */
const INCIDENT_DAYS_AGO = 4;

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
    // Three agents a day for two weeks (days 1 to 14 ago), with a renewal incident on one day.
    const heartbeats = Array.from({ length: 14 * 3 }, (_, index) => {
      const daysAgo = 1 + Math.floor(index / 3);
      return heartbeat(daysAgo, daysAgo === INCIDENT_DAYS_AGO ? 4 : index % 3 === 0 ? 1 : 0);
    });
    for (const item of [...records, ...heartbeats]) await writeFile(join(dataDir, segmentName(new Date(item.received_at))), `${JSON.stringify(item)}\n`, { flag: 'a' });
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
      // The windows end at each run's own "now".
      const { window: _window, summary, ...rest } = JSON.parse(text);
      const { previousWindow: _previous, ...strip } = summary;
      return { ...rest, strip };
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

  it('html: one self-contained page that headless Chromium renders at 1200 px and at 390 px without overflowing', async () => {
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
      'summary-strip',
      'renewal-failure-rate',
    ])
      assert.match(html, new RegExp(`id="${id}"`), id);
    const page = join(workspace.dir, 'report.html');
    await writeFile(page, html);
    await withBrowser(workspace.dir, async (browser) => {
      for (const width of [1200, 390]) {
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
        assert.equal(layout['notesOutsideTrack'], 0, `${width}: a bar's note runs past its track`);
        // Names in full: the long helper name is shown whole in its bar list and its tables, wrapped where the width is short.
        assert.ok(layout['longShown']! >= 2, `${width}: the long helper name is in the bar list and the cross-tab`);
        assert.equal(layout['longCut'], 0, `${width}: the long helper name is cut`);
        if (width === 390) assert.ok(layout['longWrapped']! > 0, 'at 390 px the long helper name wraps onto more lines (so the check above looked at something)');
        const overflow = (await loaded.evaluate(OVERFLOW_CHECK)) as Overflow;
        assert.deepEqual(overflow, { pageOverflow: 0, wide: [], cut: [] }, `${width}: nothing wider than the screen, no number cut`);
        // The renewal chart: one day above the usual band, drawn in the alarm colour.
        assert.equal(await loaded.evaluate(`document.querySelectorAll('#renewal-failure-rate rect.flagged').length`), 1);
        assert.ok(countPixels(image, rgb(RATE_COLORS.flagged)) > 20, `${width}: the day above the usual band is drawn`);
      }
    });
  });

  it('summary strip: the headline numbers against the previous 30 days, folded by the same code, in table, json and html', async () => {
    const [table, json, html] = await Promise.all([report(dataDir), report(dataDir, '--format', 'json'), report(dataDir, '--format', 'html')]);
    const { summary } = JSON.parse(json);
    assert.equal(summary.previousLabel, 'previous 30 days');
    assert.equal(Date.parse(summary.previousWindow.until) - Date.parse(summary.previousWindow.since), 30 * DAY_MS);
    const figure = (key: string) => summary.figures.find((candidate: { key: string }) => candidate.key === key);
    // 13 starts now; the previous 30 days hold the one from 40 days ago.
    assert.deepEqual(figure('starts'), { key: 'starts', label: 'starts', value: 13, unit: 'count', previous: 1, change: 12 });
    assert.deepEqual(figure('continuous'), { key: 'continuous', label: 'continuous (host) starts', value: 4, unit: 'count', previous: 0, change: null });
    assert.equal(figure('agent_days').value, 42);
    assert.equal(figure('renewal_failure_rate').previous, null, 'no heartbeats in the previous period: no rate to compare');
    assert.match(table, /^starts 13 \(\+1,200\.0% vs previous 30 days\)$/m);
    assert.match(table, /^continuous \(host\) starts 4 \(new: none in the previous 30 days\)$/m);
    assert.match(table, /^renewal failure rate 1\.2% \(none in the previous 30 days\)$/m);
    assert.ok(table.indexOf('starts 13 (') < table.indexOf('starts per day'), 'the strip is at the top');
    assert.match(html, /<div id="figure-starts"><b>13<\/b><span>starts<\/span><small class="up">\+1,200\.0% vs previous 30 days<\/small><\/div>/);
  });

  it('renewal health: the days above the usual failure rate are listed and marked', async () => {
    const [table, json] = await Promise.all([report(dataDir), report(dataDir, '--format', 'json')]);
    const incident = new Date(Date.now() - INCIDENT_DAYS_AGO * DAY_MS).toISOString().slice(0, 10);
    assert.match(table, new RegExp(`^days above the usual failure rate: ${incident} \\(8\\.3%\\)$`, 'm'));
    assert.match(table, /^usual failure rate: up to 1\.7% \(median 0\.7% \+ 3 × MAD, at least 1 point, over 14 days with renewals\)$/m);
    assert.match(table, new RegExp(`^${incident}\\s+3\\s+132\\s+12\\s+8\\.3% !$`, 'm'));
    const { heartbeats } = JSON.parse(json);
    assert.deepEqual(heartbeats.daysAboveUsual, [{ day: incident, rate: 12 / 144 }]);
    assert.equal(heartbeats.usualFailureRate.days, 14);
  });

  it('--by week compares only full weeks; --by X prints that breakdown alone, the overview has the days and the heartbeats', async () => {
    const [weeks, weekCsv, helper, overview] = await Promise.all([
      report(dataDir, '--by', 'week', '--since', '60d'),
      report(dataDir, '--by', 'week', '--format', 'csv', '--since', '60d'),
      report(dataDir, '--by', 'helper'),
      report(dataDir),
    ]);
    // Exact rows on fixed dates are in test/unit/report.test.ts; here, the rule on whatever today is.
    const rows = weeks.split('\n').filter((line) => /^\d{4}-\d{2}-\d{2}\*?\s/.test(line));
    assert.ok(rows.length >= 5, weeks);
    rows.forEach((row, index) => {
      if (row.includes('*') || rows[index - 1]?.includes('*') !== false) assert.match(row, /\s–$/, `${row}: a partial week, or the week after one, is not compared`);
    });
    const csvRows = weekCsv.trim().split('\n').slice(1);
    assert.equal(csvRows.length, rows.length);
    for (const line of csvRows) if (line.split(',')[3] === 'no') assert.match(line, /,no,$/, `${line}: no change for a partial week`);
    assert.doesNotMatch(helper, /starts per day|tbot\.heartbeat/, '--by helper prints the helpers alone');
    assert.match(helper, /^by helper$/m);
    assert.match(overview, /^starts per day \(by when they happened\)$/m);
    assert.match(overview, /^tbot\.heartbeat events: 42$/m);
    assert.doesNotMatch(overview, /^by run_mode$/m);
  });

  it('empty states: one sentence naming the window and the directory; a missing --data-dir is warned about; the default directory is named', async () => {
    const missing = join(workspace.dir, 'no-such-dir');
    const run = (cwd: string, ...args: string[]) => execFileAsync(process.execPath, [COLLECTOR_BUNDLE, 'report', ...args], { encoding: 'utf8', cwd });
    const absent = await run(workspace.dir, '--data-dir', missing, '--since', '2026-11-02', '--until', '2026-11-16');
    assert.equal(absent.stdout, `No tbot starts or heartbeats in 2 Nov 2026 – 15 Nov 2026 (UTC) in ${missing}.\n`);
    assert.equal(absent.stderr, `tbot-collector: warning: --data-dir ${missing} does not exist; the report counts nothing\n`);
    const quiet = await run(workspace.dir, 'connect', '--data-dir', dataDir, '--format', 'html');
    assert.match(quiet.stdout, /<p class="note" id="empty">No Connect events in .* in /);
    assert.doesNotMatch(quiet.stdout, /<h2>/, 'no empty headings');
    assert.equal(quiet.stderr, '');
    // The default ./collector-data, read from another directory: the report says which one it read.
    await mkdir(join(workspace.dir, 'elsewhere', 'collector-data'), { recursive: true });
    const byDefault = await run(join(workspace.dir, 'elsewhere'), 'discover');
    assert.equal(byDefault.stderr, `tbot-collector: reading ${join(workspace.dir, 'elsewhere', 'collector-data')} (the default --data-dir ./collector-data)\n`);
    assert.match(byDefault.stdout, /^No Discover events in .* \(UTC\) in .*elsewhere\/collector-data\.\n$/);
  });
});
