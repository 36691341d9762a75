/** Durability: every acknowledged event survives kill -9 under load, and a torn last line is cut, never parsed. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SUBMIT_TBOT_EVENT_PATH } from '../../src/protocol/tbot-wire.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { COLLECTOR_BUNDLE, startCollector, storedLines, tbotEvent } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

function event(): { distinctId: string; body: string } {
  const sent = tbotEvent();
  return { distinctId: sent.distinctId, body: JSON.stringify(sent) };
}

describe('collector durability', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-crash-');
  });
  after(() => workspace.remove());

  it('kill -9 under load: after a restart every acknowledged event is stored, and every line parses', async () => {
    const dataDir = join(workspace.dir, 'load');
    const collector = await startCollector(dataDir);
    const acknowledged: string[] = [];
    let stopped = false;
    const worker = async (): Promise<void> => {
      while (!stopped) {
        const { distinctId, body } = event();
        try {
          const response = await fetch(`${collector.url}${SUBMIT_TBOT_EVENT_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          if (response.status === 200) acknowledged.push(distinctId);
          await response.arrayBuffer();
        } catch {
          return; // the collector is gone
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    // Killed once load is really flowing, however slow a loaded machine makes the start.
    for (const deadline = Date.now() + 20_000; acknowledged.length < 100 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    collector.child.kill('SIGKILL');
    stopped = true;
    await Promise.all(workers);
    assert.ok(acknowledged.length > 50, `load was applied (${acknowledged.length} acknowledged)`);

    const restarted = await startCollector(dataDir);
    // Appending one more event makes the store open (and repair) today's segment.
    const last = event();
    assert.equal((await fetch(`${restarted.url}${SUBMIT_TBOT_EVENT_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: last.body })).status, 200);
    await restarted.stop();

    const stored = (await storedLines(dataDir)).map((line) => JSON.parse(line) as { event: { distinctId: string } });
    const ids = new Set(stored.map((record) => record.event.distinctId));
    const lost = acknowledged.filter((id) => !ids.has(id));
    assert.deepEqual(lost, []);
    assert.ok(ids.has(last.distinctId));
  });

  // The store issues no separate fdatasync: a write to a segment returns only once its bytes are
  // on disk because the segment is opened O_DSYNC. Losing that flag would acknowledge events that
  // a power cut can still take, which kill -9 above cannot show, so the flag is read from /proc.
  it("writes today's segment through a descriptor opened with O_DSYNC", async (t) => {
    if (process.platform !== 'linux') return t.skip('reads descriptor flags from /proc (Linux)');
    const dataDir = join(workspace.dir, 'dsync');
    const collector = await startCollector(dataDir);
    try {
      assert.equal((await fetch(`${collector.url}${SUBMIT_TBOT_EVENT_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: event().body })).status, 200);
      const segment = join(dataDir, segmentName(new Date()));
      const fds = `/proc/${collector.child.pid}/fd`;
      const flags: number[] = [];
      for (const fd of await readdir(fds)) {
        if ((await readlink(join(fds, fd)).catch(() => '')) !== segment) continue;
        const info = await readFile(`/proc/${collector.child.pid}/fdinfo/${fd}`, 'utf8');
        flags.push(Number.parseInt(/^flags:\s*([0-7]+)$/m.exec(info)![1]!, 8));
      }
      assert.equal(flags.length, 1, `one open descriptor on ${segment}`);
      assert.equal(flags[0]! & constants.O_DSYNC, constants.O_DSYNC, `flags 0${flags[0]!.toString(8)} include O_DSYNC`);
      assert.equal(flags[0]! & constants.O_APPEND, constants.O_APPEND);
    } finally {
      await collector.stop();
    }
  });

  it('a torn last line is reported, cut, and never counted', async () => {
    const dataDir = join(workspace.dir, 'torn');
    await mkdir(dataDir, { recursive: true });
    const good = [event(), event()].map(({ body }) => JSON.stringify({ received_at: new Date().toISOString(), event: JSON.parse(body) }));
    const segment = join(dataDir, segmentName(new Date()));
    await writeFile(segment, `${good.join('\n')}\n{"received_at":"2026-`);
    const collector = await startCollector(dataDir);
    const next = event();
    assert.equal((await fetch(`${collector.url}${SUBMIT_TBOT_EVENT_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: next.body })).status, 200);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    await collector.stop();
    assert.match(metrics, /^tbot_collector_store_torn_tails_total 1$/m);
    assert.match(collector.stderr(), /cut a torn last line left by a crash .*bytes=21/);
    const lines = await storedLines(dataDir);
    assert.equal(lines.length, 3);
    for (const line of lines) JSON.parse(line);
    const report = JSON.parse(execFileSync(process.execPath, [COLLECTOR_BUNDLE, 'report', '--data-dir', dataDir, '--format', 'json'], { encoding: 'utf8' }));
    assert.equal(report.total, 3);
    assert.equal(report.skipped, 0);
  });
});
