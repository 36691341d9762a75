/**
 * `report` and `serve` inputs: wrongly shaped stored lines are skipped and counted, never folded
 * into the totals; bad flags are usage errors (exit 2) before anything runs; exit 70 is left for
 * real internal errors.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { segmentName } from '../../src/collector/store/segments.js';
import { runCollector, startCollector, tbotEvent } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const DAY_MS = 86_400_000;

describe('collector inputs', () => {
  let workspace: Workspace;
  let dataDir: string;
  const good = 3;
  let bad: string[];
  before(async () => {
    workspace = await makeWorkspace('tbot-inputs-');
    dataDir = join(workspace.dir, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    const at = new Date().toISOString();
    const line = (event: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ received_at: at, family: 'tbot', event, ...extra });
    const start = tbotEvent().start;
    bad = [
      line({ ...tbotEvent(), start: null }),
      line({ ...tbotEvent(), start: 'yes' }),
      line({ distinctId: 'x' }),
      line({ ...tbotEvent(), start: { ...start, runMode: 'RUN_MODE_SOMETIMES' } }),
      line({ ...tbotEvent(), start: { ...start, runMode: undefined } }),
      line({ ...tbotEvent(), start: { ...start, destinationsDatabase: 'x' } }),
      line({ ...tbotEvent(), start: { ...start, destinationsOther: -1 } }),
      line({ ...tbotEvent(), start: { ...start, destinationsKubernetes: 1.5 } }),
      line({ ...tbotEvent(), start: { ...start, version: 7 } }),
      line({ ...tbotEvent(), start: { ...start, helper: ['a'] } }),
      line(tbotEvent(), { received_at: null }),
      line(tbotEvent(), { received_at: 'yesterday-ish' }),
      line(tbotEvent(), { family: 7 }),
      line(null),
      'null',
      '[]',
      '"a string"',
      '42',
      '{"received_at":',
    ];
    // Spread over several days, so reports run on worker threads too.
    for (let day = 0; day < 3; day += 1) {
      const when = new Date(Date.now() - day * DAY_MS);
      const lines = [JSON.stringify({ received_at: when.toISOString(), family: 'tbot', event: tbotEvent() }), ...(day === 0 ? bad : [])];
      await writeFile(join(dataDir, segmentName(when)), `${lines.join('\n')}\n`);
    }
    // Named like a segment, but a directory: ignored with a note, never read.
    await mkdir(join(dataDir, segmentName(new Date(Date.now() - 5 * DAY_MS))));
  });
  after(() => workspace.remove());

  for (const workers of ['1', '3']) {
    it(`report (${workers} worker${workers === '1' ? '' : 's'}) skips and counts every wrongly shaped line; totals stay numbers`, async () => {
      const json = await runCollector(['report', '--data-dir', dataDir, '--format', 'json', '--workers', workers]);
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout);
      assert.equal(report.total, good);
      assert.equal(report.skipped, bad.length);
      assert.deepEqual(report.destinations, {
        configured: { database: 0, kubernetes: 0, application: 0, other: good },
        runsWith: { database: 0, kubernetes: 0, application: 0, other: good },
      });
      assert.match(json.stderr, /ignoring events-\d{4}-\d{2}-\d{2}\.ndjson: not a regular file/);
      for (const format of ['table', 'csv', 'html']) {
        const run = await runCollector(['report', '--data-dir', dataDir, '--format', format, '--workers', workers, '--by', 'join_type']);
        assert.equal(run.code, 0, run.stderr);
        assert.doesNotMatch(run.stdout, /undefined|NaN|null/, `${format} output`);
      }
    });
  }

  const usage: { name: string; args: string[]; message: RegExp }[] = [
    { name: '--since beyond what a date can hold', args: ['report', '--since', '99999999999d'], message: /--since "99999999999d": expected 30d, 12h, 90m, an ISO date/ },
    { name: '--since that is not a window', args: ['report', '--since', 'last tuesday'], message: /--since "last tuesday"/ },
    {
      name: '--since on 30 February',
      args: ['report', '--since', '2026-02-30'],
      message: /^tbot-collector: --since "2026-02-30": day 30 does not exist in 2026-02; expected 30d/m,
    },
    { name: '--since on 31 April', args: ['report', 'tbot', '--since', '2026-04-31'], message: /^tbot-collector: --since "2026-04-31": day 31 does not exist in 2026-04;/m },
    {
      name: '--until on 31 November',
      args: ['report', '--since', '2026-11-01', '--until', '2026-11-31'],
      message: /^tbot-collector: --until "2026-11-31": day 31 does not exist in 2026-11;/m,
    },
    {
      name: '--until at hour 24',
      args: ['report', 'connect', '--until', '2026-03-01T24:00:00Z'],
      message: /^tbot-collector: --until "2026-03-01T24:00:00Z": time 24:00:00 does not exist;/m,
    },
    { name: '--data-dir that is a file', args: ['report', '--data-dir', '__FILE__'], message: /--data-dir ".*": not a directory/ },
    { name: '--posthog-host that is not a URL', args: ['serve', '--posthog-host', 'notaurl', '--posthog-api-key', 'phc_x'], message: /--posthog-host: not an absolute URL/ },
    { name: 'a file: PostHog URL', args: ['serve', '--posthog-host', 'file:///etc/passwd', '--posthog-api-key', 'phc_x'], message: /--posthog-host: scheme file: is not allowed/ },
    {
      name: 'a PostHog URL with credentials',
      args: ['serve', '--posthog-host', 'https://admin:s3cret@eu.i.posthog.com', '--posthog-api-key', 'phc_x'],
      message: /--posthog-host: credentials in the URL are not allowed/,
    },
    {
      name: 'a PostHog URL with a query',
      args: ['serve', '--posthog-host', 'https://eu.i.posthog.com/?team=1', '--posthog-api-key', 'phc_x'],
      message: /--posthog-host: a query string is not allowed/,
    },
    {
      name: 'an API key with spaces',
      args: ['serve', '--posthog-host', 'https://eu.i.posthog.com', '--posthog-api-key', 'phc x'],
      message: /--posthog-api-key: expected a PostHog project API key/,
    },
    { name: 'a negative connection cap', args: ['serve', '--max-connections-per-address', '-1'], message: /--max-connections-per-address "-1": expected a whole number/ },
    { name: 'a --format that is no format', args: ['report', '--format', 'xml'], message: /^tbot-collector: --format: "xml" is not one of "table", "json", "csv", "html"$/m },
    { name: '--listen without a value', args: ['serve', '--listen'], message: /^tbot-collector: --listen needs a value$/m },
    { name: '--workers without a value', args: ['report', '--workers'], message: /^tbot-collector: --workers needs a value$/m },
    { name: 'an empty --data-dir (which would mean the working directory)', args: ['serve', '--data-dir', ''], message: /--data-dir "": expected a directory path/ },
  ];
  for (const bad of usage) {
    it(`${bad.name} is a usage error (exit 2), and nothing is started or written`, async () => {
      const scratch = join(workspace.dir, `usage-${bad.name.replace(/\W+/g, '-')}`);
      const args = bad.args.map((arg) => (arg === '__FILE__' ? join(dataDir, segmentName(new Date())) : arg));
      const run = await runCollector([...args, ...(args.includes('--data-dir') ? [] : ['--data-dir', scratch]), ...(args[0] === 'serve' ? ['--listen', '127.0.0.1:0'] : [])]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, bad.message);
      assert.doesNotMatch(run.stderr, /s3cret|internal error/);
      await assert.rejects(
        import('node:fs/promises').then((fs) => fs.stat(scratch)),
        { code: 'ENOENT' },
      );
    });
  }

  it('a listen address already in use exits 1 with the reason, not 70', async () => {
    const first = await startCollector(join(workspace.dir, 'first'));
    try {
      const run = await runCollector(['serve', '--listen', first.url.replace('http://', ''), '--data-dir', join(workspace.dir, 'second')]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /tbot-collector: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
    } finally {
      await first.stop();
    }
  });
});
