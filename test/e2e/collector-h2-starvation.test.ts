/**
 * A collector starved of CPU for longer than its HTTP/2 idle time (5 s) must not close a session
 * whose client has calls waiting: stopping the process (SIGSTOP) for 6 s while a connect-node
 * client sends calls on an open session is that starvation, made exact. A session that is truly
 * idle is still closed.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect as http2Connect } from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { DEFAULT_IDLE_TIMEOUT_MS } from '../../src/collector/ingest/server.js';
import { SUBMIT_TBOT_EVENT_PATH } from '../../src/protocol/tbot-wire.js';
import { monotonicMs } from '../../src/time/timer.js';
import { startCollector, storedRecords, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { call, transport, type ClientTls } from '../helpers/rpc-clients.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const CALLS = 16;

const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'ok',
    (error: unknown) => {
      const failure = ConnectError.from(error);
      return `${Code[failure.code]}: ${failure.rawMessage}`;
    },
  );

// The two schemes have a collector each, so their waits (a 6 s stop, a 5 s idle close: this file's
// time is almost all waiting) run side by side; within a scheme the tests stay in order, since the
// stopped collector would hold up the idle session's close.
describe('collector HTTP/2 sessions under starvation', { concurrency: true }, () => {
  for (const scheme of ['http', 'https'] as const) {
    describe(`collector HTTP/2 sessions under starvation (${scheme})`, { concurrency: 1 }, () => {
      let workspace: Workspace;
      let dataDir: string;
      let collector: RunningCollector;
      let tls: ClientTls | undefined;
      before(async () => {
        workspace = await makeWorkspace('tbot-h2-starved-');
        dataDir = join(workspace.dir, 'data');
        collector = await startCollector(dataDir, scheme === 'https' ? ['--tls'] : []);
        if (scheme === 'https') tls = { ca: await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8') };
      });
      after(async () => {
        collector.child.kill('SIGCONT');
        await collector.stop();
        await workspace.remove();
      });

      it(`calls sent while the collector is stopped for longer than the idle time are all served when it resumes`, async () => {
        const client = transport(collector.url, { protocol: 'connect', binary: true, http: '2' }, tls);
        // The session is open and has served a call: from here on the calls share it.
        assert.equal(await outcome(call(client, SUBMIT_TBOT_EVENT_PATH, tbotEvent())), 'ok');
        const before = (await storedRecords(dataDir)).length;
        collector.child.kill('SIGSTOP');
        let pending: Promise<string[]>;
        try {
          pending = Promise.all(Array.from({ length: CALLS }, () => outcome(call(client, SUBMIT_TBOT_EVENT_PATH, tbotEvent()))));
          // Longer than the idle time: the session's timer has expired when the collector runs again.
          await new Promise((resolve) => setTimeout(resolve, DEFAULT_IDLE_TIMEOUT_MS + 1_000));
        } finally {
          collector.child.kill('SIGCONT');
        }
        assert.deepEqual(await pending, Array(CALLS).fill('ok'));
        assert.equal((await storedRecords(dataDir)).length, before + CALLS);
      });

      it('a session with no calls is still closed after the idle time', async () => {
        const opened = monotonicMs();
        const session = http2Connect(collector.url, tls === undefined ? {} : { ca: tls.ca });
        session.on('error', () => undefined);
        await new Promise((resolve) => session.once('close', resolve));
        const idleMs = monotonicMs() - opened;
        assert.ok(idleMs >= DEFAULT_IDLE_TIMEOUT_MS - 500, `closed after ${Math.round(idleMs)} ms`);
      });
    });
  }
});
