/**
 * docs/postgres.md's HAProxy config, run for real: the block is read from the page, its example
 * addresses swapped for loopback ones, and HAProxy balances two built collectors that share one
 * PostgreSQL store. A client's retried request is stored once whichever instance took each try,
 * and when one instance stops, HAProxy's health check takes it out and requests still answer 200.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findTool, testTool } from '../../scripts/provision-test-tools.mjs';
import { fences } from '../helpers/doc-blocks.js';
import { eventually, metric, startCollector, submit, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { freePort } from '../helpers/free-port.js';
import { startPostgres, storedRows, type PgServer, unprivilegedOwner } from '../helpers/postgres.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const DOC = new URL('../../docs/postgres.md', import.meta.url);
/** Every wait is for an event (a line, an answer, a row), bounded by this. */
const WAIT_MS = 30_000;
/** Tries of one request while HAProxy may not yet have noticed that an instance is gone. */
const TRIES = 20;
const EVENTS = 12;

/** The page's HAProxy block with its example addresses replaced; each must be there exactly once. */
async function documentedConfig(replacements: Record<string, string>): Promise<string> {
  const page = await readFile(DOC, 'utf8');
  const blocks = fences('docs/postgres.md', page).filter((fence) => fence.info[0] === 'haproxy');
  assert.equal(blocks.length, 1, 'docs/postgres.md has one haproxy block');
  let config = blocks[0]!.body;
  for (const [from, to] of Object.entries(replacements)) {
    assert.equal(config.split(from).length, 2, `the haproxy block names ${from} once`);
    config = config.replace(from, to);
  }
  // HAProxy refuses a file whose last line has no line feed.
  return `${config}\n`;
}

interface RunningHaproxy {
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

function startHaproxy(configPath: string): RunningHaproxy {
  const binary = findTool(testTool('haproxy'));
  if (binary === undefined) throw new Error("haproxy is missing: run `node scripts/provision-test-tools.mjs` (npm test does; installs Debian's haproxy)");
  // No root needed for a high port: as root it runs as nobody. -db: stay in the foreground, no daemon, no master process; the config is the only input.
  const child = spawn(binary, ['-db', '-f', configPath], { ...unprivilegedOwner(), stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env['PATH'] ?? '' } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A spawn that fails shows in the log the readiness error prints, not as an uncaught error.
  child.once('error', (error) => (stderr += `haproxy could not be started: ${error.message}\n`));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** GET /healthz through HAProxy: the status, or 0 while nothing answers yet. */
async function healthz(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Submits until a 200 or TRIES attempts, as a retrying client does; resolves with the last outcome. */
async function submitWithRetries(url: string, event: unknown): Promise<{ status: number; tries: number; error?: string }> {
  let last: { status: number; tries: number; error?: string } = { status: 0, tries: 0 };
  for (let tries = 1; tries <= TRIES; tries += 1) {
    try {
      last = { status: await submit(url, event), tries };
    } catch (error) {
      last = { status: 0, tries, error: (error as Error).message };
    }
    if (last.status === 200) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}

describe('two collectors behind HAProxy (the docs/postgres.md config)', () => {
  let server: PgServer | undefined;
  let workspace: Workspace | undefined;
  let haproxy: RunningHaproxy | undefined;
  const collectors: RunningCollector[] = [];
  let db = '';
  let front = '';

  before(async () => {
    server = await startPostgres();
    workspace = await makeWorkspace('tbot-haproxy-e2e-');
    db = await server.createDatabase();
    for (const name of ['a', 'b']) {
      collectors.push(await startCollector(join(workspace.dir, name), ['--store', db, '--max-connections-per-address', '0']));
    }
    const port = await freePort();
    const config = await documentedConfig({
      'bind :8787': `bind 127.0.0.1:${port}`,
      '10.0.0.11:8787': new URL(collectors[0]!.url).host,
      '10.0.0.12:8787': new URL(collectors[1]!.url).host,
    });
    // HAProxy runs as nobody: it must reach its config through the temp directory.
    await chmod(workspace.dir, 0o711);
    const configPath = await workspace.write('haproxy.cfg', config);
    await chmod(configPath, 0o644);
    haproxy = startHaproxy(configPath);
    front = `http://127.0.0.1:${port}`;
    try {
      const running = haproxy;
      // A config HAProxy refuses ends the wait at once, not at the deadline.
      const ready = async (): Promise<number> => {
        if (running.child.exitCode !== null || running.child.signalCode !== null) throw new Error('haproxy exited');
        return healthz(front);
      };
      await eventually(ready, 200, WAIT_MS);
    } catch (error) {
      throw new Error(`HAProxy did not answer /healthz: ${(error as Error).message}\nhaproxy log:\n${haproxy.stderr()}`, { cause: error });
    }
  });

  after(async () => {
    await haproxy?.stop();
    for (const collector of collectors) if (collector.child.exitCode === null && collector.child.signalCode === null) await collector.stop();
    await server?.stop();
    await workspace?.remove();
  });

  it('spreads requests over both instances and stores each event once, though every request was sent twice', async () => {
    const sent = Array.from({ length: EVENTS }, () => tbotEvent());
    for (const event of sent) {
      // The same bytes twice, as a client that retried: HAProxy may hand each try to another instance.
      assert.equal(await submit(front, event), 200);
      assert.equal(await submit(front, event), 200);
    }
    const received = await Promise.all(collectors.map((collector) => metric(collector.url, 'tbot_collector_events_received_total')));
    assert.equal(received[0]! + received[1]!, 2 * EVENTS);
    assert.ok(
      received.every((count) => count > 0),
      `both instances got traffic: ${received.join(', ')}`,
    );

    for (const collector of collectors) await eventually(() => metric(collector.url, 'tbot_collector_outbox_backlog_events'), 0, WAIT_MS);
    const stored = await storedRows(db);
    assert.equal(stored.rows, EVENTS, 'each event is stored once');
    assert.deepEqual([...stored.ids].sort(), sent.map((event) => event.distinctId).sort());
  });

  it('one instance stopped: HAProxy takes it out and requests through it still answer 200', async () => {
    await collectors[0]!.stop();
    const sent = Array.from({ length: EVENTS }, () => tbotEvent());
    const outcomes = [];
    for (const event of sent) outcomes.push(await submitWithRetries(front, event));
    assert.deepEqual(
      outcomes.filter((outcome) => outcome.status !== 200),
      [],
      `every request answered 200 within ${TRIES} tries\nhaproxy log:\n${haproxy!.stderr()}`,
    );
    // The health check, not luck, keeps the stopped instance out: HAProxy says it marked it down.
    await eventually(async () => /Server tbot_collectors\/a is DOWN/.test(haproxy!.stderr()), true, WAIT_MS);
    for (const event of Array.from({ length: EVENTS }, () => tbotEvent())) {
      sent.push(event);
      assert.equal(await submit(front, event), 200, 'once it is down, the first try answers');
    }
    const survivor = collectors[1]!;
    await eventually(() => metric(survivor.url, 'tbot_collector_outbox_backlog_events'), 0, WAIT_MS);
    const stored = await storedRows(db);
    assert.equal(stored.rows, stored.ids.size, 'no event is stored twice');
    assert.deepEqual(
      sent.filter((event) => !stored.ids.has(event.distinctId)),
      [],
      'every event sent after the stop is stored',
    );
  });
});
