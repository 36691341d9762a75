/** The dashboard's pure parts: who may read it, the cache's bounds, the query, and the policy's hashes. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { DashboardAccess, isLoopbackHost, resolveDashboardToken, SESSION_SECONDS } from '../../src/collector/dashboard/access.js';
import { DashboardBusyError, ViewCache } from '../../src/collector/dashboard/cache.js';
import { contentSecurityPolicy, MAX_ATTRIBUTE_HASHES } from '../../src/collector/dashboard/headers.js';
import { parseViewQuery, QueryError, queryString, resolveWindow, WINDOW_STEP_MS } from '../../src/collector/dashboard/query.js';
import { decoratePage, page } from '../../src/collector/report/html-kit.js';
import { UsageError } from '../../src/errors.js';

const TOKEN = 'a-token-of-sixteen-plus';

describe('dashboard access', () => {
  it('knows loopback addresses in every spelling, and nothing else', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '::2', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
  });

  it('needs a token off loopback, takes the flag over the environment, and refuses a short one', () => {
    assert.equal(resolveDashboardToken(undefined, {}, '127.0.0.1'), undefined);
    assert.throws(
      () => resolveDashboardToken(undefined, {}, '0.0.0.0'),
      (error: Error) => error instanceof UsageError && /needs a token/.test(error.message),
    );
    assert.equal(resolveDashboardToken(undefined, { TBOT_COLLECTOR_DASHBOARD_TOKEN: TOKEN }, '0.0.0.0'), TOKEN);
    assert.equal(resolveDashboardToken(`${TOKEN}-flag`, { TBOT_COLLECTOR_DASHBOARD_TOKEN: TOKEN }, '0.0.0.0'), `${TOKEN}-flag`);
    assert.throws(() => resolveDashboardToken('short', {}, '0.0.0.0'), /--dashboard-token: expected 16 to 256 printable characters/);
    assert.throws(() => resolveDashboardToken(undefined, { TBOT_COLLECTOR_DASHBOARD_TOKEN: 'with a space in it ok' }, '::1'), /TBOT_COLLECTOR_DASHBOARD_TOKEN: expected/);
  });

  it('turns ?token= into a session cookie that expires, and is bound to the token', () => {
    let now = new Date('2026-12-01T00:00:00Z');
    const access = new DashboardAccess({ token: TOKEN, secure: true, now: () => now });
    const login = access.decide(new URL(`http://x/dashboard/tbot?a=1&token=${TOKEN}&b=2`), {});
    assert.equal(login.kind, 'login');
    if (login.kind !== 'login') return;
    assert.equal(login.location, '/dashboard/tbot?a=1&b=2');
    assert.match(login.cookie, /; HttpOnly; SameSite=Strict; Secure$/);
    const cookie = login.cookie.split(';')[0]!;
    assert.equal(access.decide(new URL('http://x/dashboard/'), { cookie: `other=1; ${cookie}` }).kind, 'allow');
    const other = new DashboardAccess({ token: `${TOKEN}-new`, secure: true, now: () => now });
    assert.equal(other.decide(new URL('http://x/dashboard/'), { cookie }).kind, 'deny', 'a new token ends old sessions');
    now = new Date(now.getTime() + SESSION_SECONDS * 1000);
    assert.equal(access.decide(new URL('http://x/dashboard/'), { cookie }).kind, 'deny', 'expired');
    assert.equal(access.decide(new URL('http://x/dashboard/?token=nope'), {}).kind, 'deny');
    assert.equal(access.decide(new URL('http://x/dashboard/'), { authorization: `Bearer ${TOKEN}` }).kind, 'allow');
    assert.equal(access.decide(new URL('http://x/dashboard/'), { authorization: `Bearer ${TOKEN}x` }).kind, 'deny');
  });

  it('without a token, a stray ?token= is dropped from the URL', () => {
    const access = new DashboardAccess({ token: undefined, secure: false, now: () => new Date() });
    assert.deepEqual(access.decide(new URL('http://x/dashboard/?token=abc'), {}), { kind: 'strip', location: '/dashboard/' });
    assert.deepEqual(access.decide(new URL('http://x/dashboard/'), {}), { kind: 'allow' });
  });
});

describe('dashboard view cache', () => {
  it('answers a view again while the generation holds, computes it again when it changes, and keeps a bounded number', async () => {
    const cache = new ViewCache<string>({ maxEntries: 2, maxRunning: 2, maxWaiting: 2 });
    let computed = 0;
    const compute = (value: string) => async () => {
      computed += 1;
      return value;
    };
    assert.equal(await cache.get('a', 'g1', compute('a1')), 'a1');
    assert.equal(await cache.get('a', 'g1', compute('a2')), 'a1');
    assert.equal(computed, 1);
    assert.equal(await cache.get('a', 'g2', compute('a3')), 'a3');
    await cache.get('b', 'g1', compute('b'));
    await cache.get('c', 'g1', compute('c'));
    assert.equal(cache.size, 2);
    assert.equal(await cache.get('a', 'g2', compute('a4')), 'a4', 'the least recently used view was dropped');
  });

  it('shares one computation between callers, forgets failures, and refuses beyond its queue', async () => {
    const cache = new ViewCache<number>({ maxEntries: 8, maxRunning: 1, maxWaiting: 1 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const slow = async () => {
      runs += 1;
      await gate;
      return runs;
    };
    const first = cache.get('x', 'g', slow);
    const same = cache.get('x', 'g', slow);
    const queued = cache.get('y', 'g', slow);
    await assert.rejects(cache.get('z', 'g', slow), DashboardBusyError);
    release();
    assert.equal(await first, 1);
    assert.equal(await same, 1);
    assert.equal(await queued, 2);
    await assert.rejects(
      cache.get('f', 'g', async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await cache.get('f', 'g', async () => 7), 7);
  });
});

describe('dashboard query', () => {
  const specs = [
    { name: 'by', label: 'By', values: ['day', 'week'] },
    { name: 'version', label: 'Version' },
  ];

  it('takes the view parameters, refuses unknown, repeated and out-of-vocabulary ones', () => {
    assert.deepEqual(parseViewQuery(new URLSearchParams('since=7d&version=1.2.3&by='), specs), { since: '7d', until: 'now', params: { version: '1.2.3' } });
    assert.throws(
      () => parseViewQuery(new URLSearchParams('colour=red'), specs),
      (error: Error) => error instanceof QueryError && /unknown parameter "colour"; expected since, until, by, version/.test(error.message),
    );
    assert.throws(() => parseViewQuery(new URLSearchParams('by=day&by=week'), specs), /"by" is given twice/);
    assert.throws(() => parseViewQuery(new URLSearchParams('by=month'), specs), /by "month": expected one of day, week/);
    assert.throws(() => parseViewQuery(new URLSearchParams(`version=${'x'.repeat(201)}`), specs), /longer than 200/);
  });

  it('moves relative windows in whole steps, so one URL is one window within a step', () => {
    const now = new Date('2026-12-05T10:31:07Z');
    const window = resolveWindow({ since: '1d', until: 'now' }, now);
    assert.equal(Date.parse(window.until) % WINDOW_STEP_MS, 0);
    assert.ok(Date.parse(window.until) >= now.getTime());
    assert.deepEqual(resolveWindow({ since: '1d', until: 'now' }, new Date('2026-12-05T10:34:59Z')), window);
    assert.deepEqual(resolveWindow({ since: '2026-12-01', until: '2026-12-03' }, now), { since: '2026-12-01T00:00:00.000Z', until: '2026-12-03T00:00:00.000Z' });
    assert.throws(() => resolveWindow({ since: '2026-02-30', until: 'now' }, now), /since "2026-02-30"/);
    assert.throws(() => resolveWindow({ since: '2026-12-03', until: '2026-12-01' }, now), /until .* is not after since/);
  });

  it('writes a view back as a URL, leaving defaults out', () => {
    const query = { since: '30d', until: 'now', params: { version: '1.2.3' } };
    assert.equal(queryString(query), '?version=1.2.3');
    assert.equal(queryString(query, { version: undefined, by: 'week' }), '?by=week');
  });
});

describe('dashboard page and policy', () => {
  it("adds to the head and the top of a report page, and the policy lists each style's hash", () => {
    const html = decoratePage(page('T', '<h1>T</h1><b style="width:50%">x</b>'), { head: '<meta name="extra">', top: '<nav>n</nav>' });
    assert.match(html, /<meta name="extra"><\/head>/);
    assert.match(html, /<main>\n<nav>n<\/nav>\n<h1>T<\/h1>/);
    const csp = contentSecurityPolicy(html);
    const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    assert.ok(csp.includes(hash('width:50%')), 'the attribute');
    assert.ok(csp.includes("'unsafe-hashes'"));
    assert.ok(csp.includes(hash(/<style>([\s\S]*?)<\/style>/.exec(html)![1]!)), 'the style element');
    assert.equal(contentSecurityPolicy('<p>plain</p>').split('; ')[1], "style-src 'none'");
    // Past the bound, attributes are allowed as such and the header stays small; style elements stay hashed.
    const many = `<style>p{}</style>${Array.from({ length: MAX_ATTRIBUTE_HASHES + 1 }, (_, index) => `<b style="width:${index}px"></b>`).join('')}`;
    const bounded = contentSecurityPolicy(many);
    assert.ok(bounded.length < 300, `${bounded.length} characters`);
    assert.match(bounded, /style-src 'sha256-[^']+'; style-src-attr 'unsafe-inline'; /);
  });
});
