/**
 * `serve` seals past days' segments on start and, with --retain DAYS, deletes sealed segments
 * whose day is wholly past the cutoff: only files it made (the exact sealed-segment name, regular
 * files), never one the PostHog forwarder has not passed, and it says in the log what it deleted,
 * and what it kept back and for whom. Run against the built CLI.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sealSegment } from '../../src/collector/store/seal.js';
import { SegmentReader, sealedName, segmentName } from '../../src/collector/store/segments.js';
import { eventually, runCollector, startCollector, storedLines, tbotEvent } from '../helpers/collector-process.js';
import { startPostHog } from '../helpers/posthog-stub.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const DAY_MS = 86_400_000;
const daysAgo = (days: number): Date => new Date(Date.now() - days * DAY_MS);

/** `count` stored tbot lines received `days` days ago, in a plain segment of that day. */
async function writeSegment(dir: string, days: number, count: number): Promise<string> {
  const at = daysAgo(days);
  const lines = Array.from({ length: count }, () => JSON.stringify({ received_at: at.toISOString(), family: 'tbot', event: tbotEvent({}, { timestamp: at.toISOString() }) }));
  await writeFile(join(dir, segmentName(at)), `${lines.join('\n')}\n`, { mode: 0o600 });
  return segmentName(at);
}

describe('serve --retain', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-retain-');
  });
  after(() => workspace.remove());

  it('seals past days on start, deletes sealed segments past the cutoff, and leaves foreign entries and newer days alone', { timeout: 60_000 }, async () => {
    const dataDir = join(workspace.dir, 'plain-run');
    await mkdir(dataDir, { mode: 0o700 });
    const old40 = await writeSegment(dataDir, 40, 3);
    const old35 = await writeSegment(dataDir, 35, 4);
    const recent = await writeSegment(dataDir, 2, 5);
    const today = await writeSegment(dataDir, 0, 6);
    // Named like sealed segments past the cutoff, but not the collector's files: a symlink to a
    // file outside, and a directory. And a plain-named symlink, which is never sealed either.
    const outside = await workspace.write('precious.txt', 'not the collector’s\n');
    const linked = sealedName(segmentName(daysAgo(50)));
    await symlink(outside, join(dataDir, linked));
    const directory = sealedName(segmentName(daysAgo(45)));
    await mkdir(join(dataDir, directory));
    const plainLink = segmentName(daysAgo(44));
    await symlink(outside, join(dataDir, plainLink));
    await writeFile(join(dataDir, 'notes-events-2020-01-01.ndjson.gz'), 'mine\n');

    const collector = await startCollector(dataDir, ['--retain', '30']);
    try {
      await eventually(async () => /retention deleted/.test(collector.stderr()), true, 20_000);
      const log = collector.stderr();
      for (const segment of [old40, old35, recent]) assert.match(log, new RegExp(`INFO +sealed a segment segment=${segment.replaceAll('.', '\\.')} bytes=\\d+ gzip_bytes=\\d+`));
      assert.doesNotMatch(log, new RegExp(`sealed a segment segment=${today}`));
      assert.match(
        log,
        new RegExp(`INFO +retention deleted target="local segments" before=\\S+ count=2 deleted="${sealedName(old40)} ${sealedName(old35)}"`.replaceAll('.ndjson', '\\.ndjson')),
      );
      assert.match(log, /INFO +keeping sealed segments for days=30/);
      assert.deepEqual((await readdir(dataDir)).sort(), [directory, linked, today, plainLink, sealedName(recent), 'notes-events-2020-01-01.ndjson.gz'].sort());
      assert.ok((await lstat(join(dataDir, linked))).isSymbolicLink());
      assert.ok((await lstat(join(dataDir, directory))).isDirectory());
      assert.equal(await readFile(outside, 'utf8'), 'not the collector’s\n');
    } finally {
      assert.equal(await collector.stop(), 0);
    }
    // What is left reads the same in either form: 5 sealed lines, 6 plain ones.
    assert.equal((await storedLines(dataDir)).length, 11);
    // A generous bound: on a loaded machine a report's start-up alone can take several seconds.
    const report = await runCollector(['report', '--data-dir', dataDir, '--format', 'json', '--since', '7d', '--workers', '2'], {}, 30_000);
    assert.equal(report.code, 0, report.stderr);
    assert.equal(JSON.parse(report.stdout).total, 11);
  });

  it('keeps back what the forwarder has not passed, and says so: its saved cursor counts even with forwarding off', { timeout: 30_000 }, async () => {
    const dataDir = join(workspace.dir, 'cursor-run');
    await mkdir(dataDir, { mode: 0o700 });
    const old40 = await writeSegment(dataDir, 40, 3);
    const old35 = await writeSegment(dataDir, 35, 4);
    await sealSegment(dataDir, old40);
    await sealSegment(dataDir, old35);
    // Sent up to the second line of the 35-day-old segment: the 40-day-old one is passed, not that one.
    const [, second] = await new SegmentReader(dataDir).readFrom({ segment: old35, offset: 0 }, 2);
    await writeFile(join(dataDir, 'posthog-cursor.json'), JSON.stringify(second!.end), { mode: 0o600 });

    const collector = await startCollector(dataDir, ['--retain', '30']);
    try {
      await eventually(async () => /retention deleted/.test(collector.stderr()), true, 20_000);
      assert.match(
        collector.stderr(),
        new RegExp(`INFO +retention kept back segments not yet read target="local segments" waiting_for="the PostHog forwarder" kept=${sealedName(old35).replaceAll('.', '\\.')}`),
      );
      assert.match(collector.stderr(), new RegExp(`deleted=${sealedName(old40).replaceAll('.', '\\.')}\\n`));
      assert.deepEqual(await readdir(dataDir), [sealedName(old35), 'posthog-cursor.json']);
    } finally {
      assert.equal(await collector.stop(), 0);
    }
  });

  it('with forwarding on and PostHog refusing everything, nothing unsent is deleted', { timeout: 30_000 }, async () => {
    const dataDir = join(workspace.dir, 'forward-run');
    await mkdir(dataDir, { mode: 0o700 });
    const old40 = await writeSegment(dataDir, 40, 3);
    const posthog = await startPostHog((_batch, res) => void res.writeHead(503).end());
    const collector = await startCollector(dataDir, ['--retain', '30', '--posthog-host', posthog.url, '--posthog-api-key', 'phc_test']);
    try {
      await eventually(async () => /retention kept back/.test(collector.stderr()), true, 20_000);
      assert.match(collector.stderr(), new RegExp(`waiting_for="the PostHog forwarder" kept=${sealedName(old40).replaceAll('.', '\\.')}`));
      assert.doesNotMatch(collector.stderr(), /retention deleted/);
      assert.deepEqual(await readdir(dataDir), [sealedName(old40)]);
      // The forwarder reads the sealed segment: PostHog is offered its three events.
      await posthog.until(() => posthog.requests.some((request) => request.batch.length === 3));
    } finally {
      assert.equal(await collector.stop(), 0);
      await posthog.close();
    }
  });

  it('refuses a --retain that is not a whole number of days from 1', async () => {
    for (const value of ['0', '-3', '1.5', 'week', '36501']) {
      const run = await runCollector(['serve', '--listen', '127.0.0.1:0', '--data-dir', join(workspace.dir, 'never'), '--retain', value]);
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, new RegExp(`--retain "${value.replace('.', '\\.')}": expected a whole number of days from 1 to 36500`));
    }
  });
});
