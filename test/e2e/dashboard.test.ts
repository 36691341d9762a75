/**
 * `tbot-collector serve --dashboard` in real headless Chromium, driven with playwright-core over the
 * provisioned Chromium (no browser download): every page at a desktop and a phone width, the
 * numbers after clicking a filter against `report <x> --format json` over the same store, the token
 * flow, escaping, and the security headers with no CSP violation in the console.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { teleportEventServices } from '../../src/collector/ingest/services/teleport-events.js';
import type { IngestService } from '../../src/collector/ingest/service.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { SUBMIT_CONNECT_EVENT_PATH, SUBMIT_CONNECT_EXTRA_EVENTS_PATH } from '../../src/protocol/connect-wire.js';
import { SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { chromiumPath } from '../helpers/browser.js';
import { heartbeatEvent, runCollector, startCollector, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { connectDataset, discoverDataset, noonDaysAgo } from '../helpers/known-datasets.js';
import { anon } from '../helpers/usage-events.js';
import { storedUsageLines } from '../helpers/usage-reports.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const NOW = new Date();
const DAY_MS = 86_400_000;
const dayOf = (date: Date): string => date.toISOString().slice(0, 10);
/** A fixed window (whole UTC days) holding every stored event, so the CLI sees the very same window. */
const SINCE = dayOf(new Date(NOW.getTime() - 20 * DAY_MS));
const UNTIL = dayOf(new Date(NOW.getTime() + DAY_MS));
const WINDOW = `since=${SINCE}&until=${UNTIL}`;
const PAGES = ['', 'tbot', 'connect', 'discover', 'product', 'usage'] as const;
const WIDTHS = [1280, 390] as const;
const TOKEN = 'dashboard-test-token-0123456789';
const HOSTILE = `1.0.0"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'&`;
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));
const DOC_IMAGES = fileURLToPath(new URL('../../docs/img/', import.meta.url));

/** Stored lines as the store writes them: one JSON record per line in the segment of its arrival day. */
async function appendRecords(dataDir: string, records: readonly { received_at: string; family: string; event: unknown }[]): Promise<void> {
  for (const record of records) await writeFile(join(dataDir, segmentName(new Date(record.received_at))), `${JSON.stringify(record)}\n`, { flag: 'a' });
}

function tbotRecords(): { received_at: string; family: string; event: unknown }[] {
  const records = [];
  for (let day = 1; day <= 12; day += 1) {
    const at = noonDaysAgo(NOW, day);
    for (let index = 0; index < 3 + (day % 4); index += 1) {
      const continuous = index % 3 === 0;
      const event = tbotEvent(
        {
          runMode: continuous ? 'RUN_MODE_DAEMON' : 'RUN_MODE_ONE_SHOT',
          version: day > 6 ? '1.0.0' : '1.1.0',
          joinType: continuous ? 'iam' : 'github',
          ...(continuous ? {} : { helper: 'gha:teleport-actions/auth', helperVersion: '2.0.0' }),
        },
        { timestamp: new Date(at.getTime() + index * 60_000).toISOString() },
      );
      records.push({ received_at: new Date(at.getTime() + index * 60_000 + 1_000).toISOString(), family: 'tbot', event });
    }
    // Continuous agents' daily heartbeats, stored as the collector stores what they send.
    for (let agent = 0; agent < 2 + (day % 3); agent += 1) {
      const timestamp = new Date(at.getTime() + agent * 60_000).toISOString();
      const event = heartbeatEvent({ version: '1.1.0', renewals: 48, renewalFailures: day === 4 ? 6 : agent % 2, uptimeBucket: 'UPTIME_BUCKET_2_7D' }, { timestamp });
      records.push({ received_at: timestamp, family: 'tbot.heartbeat', event });
    }
  }
  return records;
}

function productRecords(): { received_at: string; family: string; event: unknown }[] {
  const [, submitEvents] = teleportEventServices as [IngestService, IngestService];
  const at = noonDaysAgo(NOW, 1);
  const request = (member: string, event: Record<string, unknown>) => ({ clusterName: anon('prod'), timestamp: at.toISOString(), [member]: event });
  const body = Buffer.from(
    JSON.stringify({
      events: [request('userLogin', { userName: anon('alice'), connectorType: 'saml' }), request('sessionStartV2', { userName: anon('alice'), sessionType: 'ssh' })],
    }),
  );
  const accepted = submitEvents.accept('json', body, at, { tenant: 'acme' });
  return accepted.events.map((event, index) => ({ received_at: at.toISOString(), family: accepted.families?.[index] ?? 'teleport', event }));
}

function usageLines(): string[] {
  const at = noonDaysAgo(NOW, 2);
  const start = new Date(at.getTime() - 3_600_000).toISOString();
  return [
    ...storedUsageLines(
      'acme',
      [
        {
          id: 'acme-1',
          host: 'auth-1',
          start,
          kind: 'user',
          users: [
            { user: 'alice', kind: 1, logins: 2, ssh: 3 },
            { user: 'ci', kind: 2, logins: 1 },
          ],
        },
      ],
      at,
    ),
    ...storedUsageLines('globex', [{ id: 'globex-1', host: 'auth-9', start, kind: 'user', users: [{ user: 'bob', kind: 1, logins: 1 }] }], at),
  ];
}

async function post(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

/** `report <args> --format json` over the same store and window, parsed. */
async function reportJson(dataDir: string, ...args: string[]): Promise<Record<string, unknown>> {
  const run = await runCollector(['report', ...args, '--data-dir', dataDir, '--since', SINCE, '--until', UNTIL, '--format', 'json'], {}, 30_000);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/**
 * Elements whose box reaches past the viewport's right edge, except those inside a box that clips
 * or scrolls them (a wide table scrolls in its own box; that box is checked itself).
 */
const OVERFLOW_CHECK = `(() => {
  const width = document.documentElement.clientWidth;
  const clipped = (element) => {
    for (let parent = element.parentElement; parent !== null && parent !== document.body; parent = parent.parentElement)
      if (getComputedStyle(parent).overflowX !== 'visible') return true;
    return false;
  };
  return {
    pageOverflow: document.documentElement.scrollWidth - width,
    wide: [...document.querySelectorAll('body *')].filter((e) => !clipped(e) && e.getBoundingClientRect().right > width + 0.5).map((e) => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')),
  };
})()`;

describe('the live dashboard (serve --dashboard)', () => {
  let workspace: Workspace;
  let dataDir: string;
  let collector: RunningCollector;
  let browser: Browser;

  before(async () => {
    workspace = await makeWorkspace('tbot-dashboard-');
    dataDir = join(workspace.dir, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    await appendRecords(dataDir, [...tbotRecords(), ...productRecords()]);
    await writeFile(join(dataDir, segmentName(noonDaysAgo(NOW, 2))), `${usageLines().join('\n')}\n`, { flag: 'a' });
    collector = await startCollector(dataDir, ['--dashboard']);
    const { requests } = discoverDataset(NOW);
    await post(collector.url, SUBMIT_EVENTS_PATH, { events: requests });
    const { prehog, extra } = connectDataset(NOW);
    for (const request of prehog) await post(collector.url, SUBMIT_CONNECT_EVENT_PATH, request);
    await post(collector.url, SUBMIT_CONNECT_EXTRA_EVENTS_PATH, { events: extra });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await browser?.close();
    await collector?.stop();
    await workspace.remove();
  });

  /** A fresh page that records console errors (where Chromium reports CSP violations). */
  async function openPage(width: number): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    page.on('console', (message) => (message.type() === 'error' ? errors.push(message.text()) : undefined));
    page.on('pageerror', (error) => errors.push(error.message));
    return { page, errors };
  }

  it('every page at 1280 and 390 px: headers, no CSP violation, nothing wider than a phone; screenshots kept', async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    const update = process.env['TBOT_UPDATE_SCREENSHOTS'] === '1';
    // One page per width goes through every dashboard page: each visit is a fresh document (and
    // every response is no-store), while a new page would cost Chromium a renderer process each.
    // The two widths go side by side, so one renders while the collector answers the other.
    await Promise.all(
      WIDTHS.map(async (width) => {
        const { page, errors } = await openPage(width);
        for (const name of PAGES) {
          errors.length = 0;
          const response = await page.goto(`${collector.url}/dashboard/${name}?${WINDOW}`);
          assert.equal(response?.status(), 200, `${name}: status`);
          const headers = response!.headers();
          assert.match(
            headers['content-security-policy'] ?? '',
            /^default-src 'none'; style-src 'sha256-[^;]+; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'$/,
          );
          assert.equal(headers['x-content-type-options'], 'nosniff');
          assert.equal(headers['referrer-policy'], 'no-referrer');
          assert.equal(headers['cache-control'], 'no-store');
          assert.match(await page.title(), name === '' ? /dashboard/ : /\w/);
          assert.ok((await page.locator('nav.dash-nav a').count()) === PAGES.length, `${name}: the navigation links every page`);
          assert.equal(await page.locator('meta[http-equiv="refresh"]').getAttribute('content'), '60', `${name}: reloads itself`);
          const layout = (await page.evaluate(OVERFLOW_CHECK)) as { pageOverflow: number; wide: string[] };
          assert.deepEqual(layout.wide, [], `${name} at ${width}: elements wider than the viewport`);
          assert.equal(layout.pageOverflow, 0, `${name} at ${width}: the page scrolls sideways`);
          // The charts' bars are drawn: their styles passed the policy by hash.
          if (name === 'tbot') assert.ok((await page.evaluate(`getComputedStyle(document.querySelector('#versions .track b')).width`)) !== '0px', 'tbot: bars have their width');
          assert.deepEqual(errors, [], `${name} at ${width}: console errors (CSP violations are reported there)`);
          const png = await page.screenshot({ fullPage: true });
          const file = `dashboard-${name === '' ? 'index' : name}-${width}.png`;
          await writeFile(join(ARTIFACTS, file), png);
          if (update) await writeFile(join(DOC_IMAGES, file), png);
        }
        await page.close();
      }),
    );
  });

  it('clicking a filter shows the numbers report --format json gives for the same filter', async () => {
    // The CLI's answers are worked out while the browser clicks (nothing is stored during this
    // test); each is awaited where it is compared. Promise.all handles a failure of any of them
    // until then, so none is an unhandled rejection.
    const month = dayOf(noonDaysAgo(NOW, 2)).slice(0, 7);
    const cli = {
      all: reportJson(dataDir, 'tbot'),
      continuous: reportJson(dataDir, 'tbot', '--run-mode', 'continuous'),
      both: reportJson(dataDir, 'tbot', '--run-mode', 'continuous', '--version', '1.0.0'),
      usage: reportJson(dataDir, 'usage', '--tenant', 'acme'),
      month: runCollector(['report', 'usage', '--data-dir', dataDir, '--month', month, '--tenant', 'acme', '--format', 'json'], {}, 30_000),
      connect: reportJson(dataDir, 'connect'),
      discover: reportJson(dataDir, 'discover'),
      product: reportJson(dataDir, 'product'),
    };
    Promise.all(Object.values(cli)).catch(() => undefined);
    const { page, errors } = await openPage(1280);
    await page.goto(`${collector.url}/dashboard/tbot?${WINDOW}`);
    const all = await cli.all;
    assert.match((await page.locator('#summary').textContent()) ?? '', new RegExp(`^${all['total']} starts:`));
    const heartbeats = (all['heartbeats'] as { total: number }).total;
    assert.ok(heartbeats > 0);
    assert.match((await page.locator('#heartbeat-summary').textContent()) ?? '', new RegExp(`^${heartbeats} daily heartbeats`));
    await Promise.all([page.waitForURL(/run-mode=continuous/), page.locator('[data-param="run-mode"] a', { hasText: 'continuous' }).click()]);
    const continuous = (await cli.continuous) as { total: number; breakdowns: { version: Record<string, number> } };
    assert.ok(continuous.total > 0 && continuous.total < (all['total'] as number));
    assert.match((await page.locator('#summary').textContent()) ?? '', new RegExp(`^${continuous.total} starts: 0 one-shot \\(CI\\) \\(0\\.0%\\), ${continuous.total} continuous`));
    assert.match((await page.locator('#window').textContent()) ?? '', /only run mode continuous/);
    // A second filter keeps the first; the breakdown link shows the CLI's --by grouping.
    await Promise.all([page.waitForURL(/version=1\.0\.0/), page.locator('[data-param="version"] a', { hasText: '1.0.0' }).click()]);
    await Promise.all([page.waitForURL(/by=version/), page.locator('[data-param="by"] a', { hasText: 'version' }).click()]);
    const both = (await cli.both) as { total: number };
    assert.equal(continuous.breakdowns.version['1.0.0'], both.total);
    assert.deepEqual(await page.locator('#breakdown tbody tr').first().locator('td').allTextContents(), ['1.0.0', String(both.total), '100.0%']);
    // The picked window keeps the filters, and the same URL is the same view.
    assert.match(page.url(), new RegExp(`since=${SINCE}.*run-mode=continuous.*version=1\\.0\\.0.*by=version`));
    // Usage: the tenant link against report usage --tenant.
    await page.goto(`${collector.url}/dashboard/usage?${WINDOW}`);
    await Promise.all([page.waitForURL(/tenant=acme/), page.locator('[data-param="tenant"] a', { hasText: 'acme' }).click()]);
    const usage = (await cli.usage) as { rows: { tenant: string; mau: number }[] };
    assert.equal(usage.rows.length, 1);
    const cells = await page.locator('#usage-activity tbody tr').first().locator('td').allTextContents();
    assert.equal(cells[0], 'acme');
    assert.ok(cells.includes(String(usage.rows[0]!.mau)));
    assert.equal(await page.locator('#usage-activity tbody tr', { hasText: 'globex' }).count(), 0, 'the other tenant is filtered out');
    // A month is a window of its own: its link drops since/until and keeps the tenant.
    await Promise.all([page.waitForURL(new RegExp(`month=${month}`)), page.locator('[data-param="month"] a', { hasText: month }).click()]);
    assert.equal(new URL(page.url()).searchParams.get('since'), null);
    assert.equal(new URL(page.url()).searchParams.get('tenant'), 'acme');
    const monthRun = await cli.month;
    const monthly = JSON.parse(monthRun.stdout) as { rows: { tenant: string; month: string; mau: number }[] };
    assert.deepEqual((await page.locator('#usage-activity tbody tr').first().locator('td').allTextContents()).slice(0, 3), [
      monthly.rows[0]!.tenant,
      monthly.rows[0]!.month,
      String(monthly.rows[0]!.mau),
    ]);
    // Connect, Discover and product: the summary line's numbers are the JSON's.
    const connect = (await cli.connect) as { total: number; installations: number };
    await page.goto(`${collector.url}/dashboard/connect?${WINDOW}`);
    assert.match((await page.locator('#summary').textContent()) ?? '', new RegExp(`^${connect.total} events from ${connect.installations} installations`));
    const discover = (await cli.discover) as { total: number; runs: number; completed: number };
    await page.goto(`${collector.url}/dashboard/discover?${WINDOW}`);
    assert.match(
      (await page.locator('#summary').textContent()) ?? '',
      new RegExp(`^${discover.total} events in ${discover.runs} wizard runs, .*: ${discover.completed} completed`),
    );
    const product = (await cli.product) as { total: number };
    await page.goto(`${collector.url}/dashboard/product?${WINDOW}`);
    assert.match((await page.locator('#product-summary').textContent()) ?? '', new RegExp(`^${product.total} events`));
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("the report part of each page is the CLI's --format html page, byte for byte", async () => {
    // The five pages side by side: each compares its own CLI run with its own response.
    const pages = [
      ['tbot', ['tbot', '--run-mode', 'one-shot']],
      ['connect', ['connect']],
      ['discover', ['discover']],
      ['product', ['product']],
      ['usage', ['usage']],
    ] as const;
    await Promise.all(
      pages.map(async ([name, args]) => {
        const run = await runCollector(['report', ...args, '--data-dir', dataDir, '--since', SINCE, '--until', UNTIL, '--format', 'html'], {}, 30_000);
        const query = name === 'tbot' ? `${WINDOW}&run-mode=one-shot` : WINDOW;
        const served = await (await fetch(`${collector.url}/dashboard/${name}?${query}`)).text();
        const body = (html: string): string => html.slice(html.indexOf('<h1>'), html.indexOf('</main>'));
        assert.equal(body(served), body(run.stdout), `${name}: the dashboard shows the CLI's page`);
      }),
    );
  });

  it('is read-only: anything but GET and HEAD is 405, with the security headers', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${collector.url}/dashboard/tbot`, { method });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'GET, HEAD');
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
    }
    const head = await fetch(`${collector.url}/dashboard/tbot?${WINDOW}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await fetch(`${collector.url}/dashboard/nothing-here`)).status, 404);
    // fetch would resolve the dot segment itself; a raw request line keeps it.
    const raw = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${collector.url}/dashboard/x`, { path: '/dashboard/../metrics' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject).end();
    });
    assert.equal(raw, 404, 'a dot segment does not lead out of the dashboard');
    const bad = await fetch(`${collector.url}/dashboard/tbot?run-mode=sideways`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /run-mode &#34;sideways&#34;: expected one of one-shot, continuous, unspecified/);
  });

  it('escapes what it shows: a hostile stored line is dropped at the re-check, a hostile filter value is shown as text', async () => {
    const at = noonDaysAgo(NOW, 1);
    await appendRecords(dataDir, [{ received_at: at.toISOString(), family: 'tbot', event: tbotEvent({ version: HOSTILE, helper: HOSTILE }, { timestamp: at.toISOString() }) }]);
    const { page, errors } = await openPage(390);
    await page.goto(`${collector.url}/dashboard/tbot?${WINDOW}`);
    // The store changed, so the view is computed again; the line fails the schema and is counted as damaged.
    assert.match((await page.locator('#summary').textContent()) ?? '', /1 damaged line was skipped/);
    await page.goto(`${collector.url}/dashboard/tbot?${WINDOW}&${new URLSearchParams({ version: HOSTILE, helper: HOSTILE })}`);
    assert.equal(await page.evaluate('window.__pwned'), undefined, 'no injected script or handler ran');
    assert.equal(await page.locator('script, img').count(), 0, 'no element came from the value');
    assert.ok((await page.locator('[data-param="version"] a', { hasText: HOSTILE }).count()) === 1, 'the value is shown as its own text');
    assert.equal(await page.locator('input[type="hidden"][name="version"]').getAttribute('value'), HOSTILE);
    assert.deepEqual(errors, []);
    await page.close();
  });

  describe('with a token', () => {
    let guarded: RunningCollector;
    before(async () => {
      guarded = await startCollector(join(workspace.dir, 'guarded'), ['--dashboard'], { TBOT_COLLECTOR_DASHBOARD_TOKEN: TOKEN });
    });
    after(() => guarded?.stop());

    it('refuses to start on a non-loopback address without a token', async () => {
      const run = await runCollector(['serve', '--listen', '0.0.0.0:0', '--data-dir', join(workspace.dir, 'open'), '--dashboard']);
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--dashboard on 0\.0\.0\.0 \(not a loopback address\) needs a token: give --dashboard-token or set TBOT_COLLECTOR_DASHBOARD_TOKEN/);
    });

    it('401 without it; a bearer token works; ?token= sets a strict session cookie and redirects without the token', async () => {
      const denied = await fetch(`${guarded.url}/dashboard/`);
      assert.equal(denied.status, 401);
      assert.equal(denied.headers.get('x-content-type-options'), 'nosniff');
      assert.equal((await fetch(`${guarded.url}/dashboard/`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
      assert.equal((await fetch(`${guarded.url}/dashboard/`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
      assert.equal((await fetch(`${guarded.url}/dashboard/?token=wrong`, { redirect: 'manual' })).status, 401);
      const login = await fetch(`${guarded.url}/dashboard/tbot?since=7d&token=${TOKEN}&by=week`, { redirect: 'manual' });
      assert.equal(login.status, 303);
      assert.equal(login.headers.get('location'), '/dashboard/tbot?since=7d&by=week');
      assert.match(login.headers.get('set-cookie') ?? '', /^tbot_dashboard=\d+\.[\w-]{43}; Path=\/dashboard\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
      // A cookie that was not made with the token is refused.
      assert.equal((await fetch(`${guarded.url}/dashboard/`, { headers: { cookie: `tbot_dashboard=${Math.floor(Date.now() / 1000) + 60}.${'A'.repeat(43)}` } })).status, 401);
    });

    it('in the browser: the token link lands on the page without the token, and the cookie keeps it open', async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 900 } });
      const page = await context.newPage();
      assert.equal((await page.goto(`${guarded.url}/dashboard/connect`))?.status(), 401);
      const response = await page.goto(`${guarded.url}/dashboard/connect?token=${TOKEN}`);
      assert.equal(response?.status(), 200);
      assert.equal(new URL(page.url()).search, '', 'the token is gone from the address bar');
      const [cookie] = await context.cookies();
      assert.equal(cookie?.name, 'tbot_dashboard');
      assert.equal(cookie?.httpOnly, true);
      assert.equal(cookie?.sameSite, 'Strict');
      assert.equal((await page.goto(`${guarded.url}/dashboard/tbot`))?.status(), 200, 'the cookie opens the other pages');
      await context.close();
      const fresh = await browser.newPage();
      assert.equal((await fresh.goto(`${guarded.url}/dashboard/tbot`))?.status(), 401, 'another browser without the cookie is refused');
      await fresh.close();
    });
  });
});
