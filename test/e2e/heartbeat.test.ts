/**
 * The daily heartbeat of a continuous agent, with the interval shortened by the test-only
 * TBOT_TEST_HEARTBEAT_INTERVAL_MS: the built agent against the built collector, then the report.
 * Off means no heartbeat and no socket; one-shot agents never send one; a dead endpoint changes
 * nothing about the agent's run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateSubmitHeartbeat } from '../../src/schemas/validators.js';
import { COLLECTOR_BUNDLE, startCollector, storedLines, type RunningCollector } from '../helpers/collector-process.js';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { cleanEnv, CONFIG_DIR, NET_SPY, runTbot, spawnTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const INTERVAL_MS = '250';
const HEARTBEAT_PATH = '/tbotanalytics.v1.AgentReportingService/SubmitHeartbeat';

interface Stored {
  received_at: string;
  family: string;
  event: { distinctId: string; timestamp: string; start?: unknown; heartbeat?: Record<string, unknown> };
}

async function stored(dataDir: string): Promise<Stored[]> {
  return (await storedLines(dataDir)).map((line) => JSON.parse(line) as Stored);
}

describe('heartbeat', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-heartbeat-');
  });
  after(() => workspace.remove());

  describe('against the collector', () => {
    let collector: RunningCollector;
    let dataDir: string;
    before(async () => {
      dataDir = join(workspace.dir, 'collector');
      collector = await startCollector(dataDir);
    });
    after(() => collector.stop());

    it('a continuous agent sends heartbeats with fresh ids and its renewal counts; report tbot counts the agents per day', async () => {
      const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: collector.url, TBOT_TEST_HEARTBEAT_INTERVAL_MS: INTERVAL_MS });
      const agent = spawnTbot(['start', '--debug', '--anonymous-analytics', '-c', join(CONFIG_DIR, 'host-continuous.yaml'), '--renewal-interval', '100ms'], {
        env,
        cwd: workspace.dir,
      });
      await agent.waitForStderr(/(anonymous analytics heartbeat sent status=200[\s\S]*){4}/);
      agent.child.kill('SIGTERM');
      const run = await agent.result;
      assert.equal(run.code, 0, run.stderr);

      const records = await stored(dataDir);
      const start = records.find((record) => record.family === 'tbot');
      const heartbeats = records.filter((record) => record.family === 'tbot.heartbeat');
      assert.ok(start !== undefined && heartbeats.length >= 4, `${heartbeats.length} heartbeats`);
      const ids = heartbeats.map((record) => record.event.distinctId);
      assert.ok(ids.every((id) => UUID_V4.test(id)));
      assert.equal(new Set([...ids, start.event.distinctId]).size, ids.length + 1, 'no heartbeat shares an id with another or with the start');
      for (const { event } of heartbeats) assert.ok(validateSubmitHeartbeat(event), JSON.stringify(validateSubmitHeartbeat.errors));
      const first = heartbeats[0]!.event.heartbeat!;
      assert.deepEqual(
        { ...first, renewals: 0, uptimeBucket: '' },
        {
          runMode: 'RUN_MODE_DAEMON',
          version: '0.1.0',
          joinType: 'iam',
          renewals: 0,
          renewalFailures: 0,
          outputsIdentity: 1,
          outputsDatabase: 1,
          outputsKubernetes: 1,
          outputsApplication: 1,
          outputsSshHost: 0,
          outputsSpiffeSvid: 0,
          uptimeBucket: '',
        },
      );
      assert.equal(first['uptimeBucket'], 'UPTIME_BUCKET_1D');
      // The fourth is about four "days" (intervals) in.
      assert.equal(heartbeats[3]!.event.heartbeat!['uptimeBucket'], 'UPTIME_BUCKET_2_7D');
      const renewed = heartbeats.reduce((sum, record) => sum + (record.event.heartbeat!['renewals'] as number), 0);
      const cycles = run.stderr.match(/renewal cycle complete/g)?.length ?? 0;
      assert.ok(renewed >= 1 && renewed <= cycles, `${renewed} renewals reported, ${cycles} cycles logged`);

      const report = JSON.parse(execFileSync(process.execPath, [COLLECTOR_BUNDLE, 'report', '--data-dir', dataDir, '--format', 'json'], { encoding: 'utf8' }));
      const day = heartbeats[0]!.received_at.slice(0, 10);
      assert.equal(report.heartbeats.total, heartbeats.length);
      const days = Object.values(report.heartbeats.perDay) as { agents: number; renewals: number; failures: number }[];
      assert.equal(
        days.reduce((sum, counts) => sum + counts.agents, 0),
        heartbeats.length,
      );
      assert.equal(
        days.reduce((sum, counts) => sum + counts.renewals, 0),
        renewed,
      );
      assert.equal(
        days.reduce((sum, counts) => sum + counts.failures, 0),
        0,
      );
      assert.equal(report.total, 1, 'the start is still counted once, in its own family');
      const table = execFileSync(process.execPath, [COLLECTOR_BUNDLE, 'report', '--data-dir', dataDir], { encoding: 'utf8' });
      const html = execFileSync(process.execPath, [COLLECTOR_BUNDLE, 'report', '--data-dir', dataDir, '--format', 'html'], { encoding: 'utf8' });
      assert.match(
        html,
        /<h2>Continuous agents running per day<\/h2>[\s\S]*<figure class="chart" id="agents-per-day"[\s\S]*<table id="renewal-health">[\s\S]*<\/main><\/body><\/html>\n$/,
      );
      if (days.length === 1)
        assert.match(
          table,
          new RegExp(`continuous agents running per day, and renewal health\\nday +agents +renewals +failures +failure rate\\n${day} +${heartbeats.length} +${renewed} +0 +0\\.0%`),
        );
    });
  });

  describe('against a loopback receiver', () => {
    let receiver: Receiver;
    before(async () => {
      receiver = await startReceiver('ok');
    });
    after(() => receiver.close());

    it('analytics preview --heartbeat prints the request a continuous agent sends', async () => {
      const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url, TBOT_TEST_HEARTBEAT_INTERVAL_MS: INTERVAL_MS });
      const config = join(CONFIG_DIR, 'host-continuous.yaml');
      const preview = await runTbot(['analytics', 'preview', '--heartbeat', '--format', 'json', '--anonymous-analytics', '-c', config], { env });
      assert.equal(preview.code, 0, preview.stderr);
      const previewed = JSON.parse(preview.stdout);
      assert.equal(previewed.would_send, true);
      const before = receiver.requests.length;
      const agent = spawnTbot(['start', '--debug', '--anonymous-analytics', '-c', config], { env, cwd: workspace.dir });
      await agent.waitForStderr(/anonymous analytics heartbeat sent status=200/);
      agent.child.kill('SIGTERM');
      assert.equal((await agent.result).code, 0);
      const sent = receiver.requests.slice(before).find((request) => request.url === HEARTBEAT_PATH)!;
      assert.equal(previewed.url, `${receiver.url}${sent.url}`);
      for (const [name, value] of Object.entries(previewed.headers as Record<string, string>)) assert.equal(sent.headers[name], value, name);
      const body = JSON.parse(sent.body);
      // Fresh per heartbeat by design: the id and time; the renewal count is what the agent did.
      assert.deepEqual(
        { ...previewed.body, distinctId: body.distinctId, timestamp: body.timestamp, heartbeat: { ...previewed.body.heartbeat, renewals: body.heartbeat.renewals } },
        body,
      );
    });

    it('a one-shot agent sends its start and no heartbeat', async () => {
      const before = receiver.requests.length;
      const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url, TBOT_TEST_HEARTBEAT_INTERVAL_MS: '10' });
      const run = await runTbot(['start', '--oneshot', '--anonymous-analytics', '-c', join(CONFIG_DIR, 'minimal.yaml')], { env, cwd: workspace.dir });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        receiver.requests.slice(before).map((request) => request.url),
        ['/prehog.v1alpha.TbotReportingService/SubmitTbotEvent'],
      );
    });

    it('off: a continuous agent past several intervals opens no socket and looks up no name', async () => {
      const log = join(workspace.dir, 'off.net.json');
      const before = receiver.connectionCount();
      const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url, TBOT_TEST_HEARTBEAT_INTERVAL_MS: '50', TBOT_NET_SPY_LOG: log });
      const agent = spawnTbot(['start', '-c', join(CONFIG_DIR, 'minimal.yaml'), '--renewal-interval', '100ms'], { env, cwd: workspace.dir, nodeArgs: ['--import', NET_SPY] });
      await agent.waitForStderr(/(renewal cycle complete[\s\S]*){4}/);
      agent.child.kill('SIGTERM');
      assert.equal((await agent.result).code, 0);
      assert.deepEqual(JSON.parse(await readFile(log, 'utf8')), []);
      assert.equal(receiver.connectionCount(), before);
    });

    it('DO_NOT_TRACK=1 beats every opt-in: no heartbeat, no socket', async () => {
      const before = receiver.connectionCount();
      const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url, TBOT_TEST_HEARTBEAT_INTERVAL_MS: '50', DO_NOT_TRACK: '1', TELEPORT_ANONYMOUS_TELEMETRY: '1' });
      const agent = spawnTbot(['start', '--anonymous-analytics', '-c', join(CONFIG_DIR, 'minimal.yaml'), '--renewal-interval', '100ms'], { env, cwd: workspace.dir });
      await agent.waitForStderr(/(renewal cycle complete[\s\S]*){4}/);
      agent.child.kill('SIGTERM');
      assert.equal((await agent.result).code, 0);
      assert.equal(receiver.connectionCount(), before);
    });
  });

  it('a black-holed endpoint never holds up renewals or the stop, and the exit code stays 0', async () => {
    const blackhole = await startReceiver('blackhole');
    try {
      const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: blackhole.url, TBOT_TEST_HEARTBEAT_INTERVAL_MS: '100' });
      const agent = spawnTbot(['start', '--anonymous-analytics', '-c', join(CONFIG_DIR, 'minimal.yaml'), '--renewal-interval', '100ms'], { env, cwd: workspace.dir });
      await agent.waitForStderr(/(renewal cycle complete[\s\S]*){6}/);
      assert.ok(blackhole.bytes().toString('latin1').includes(`POST ${HEARTBEAT_PATH}`), 'heartbeats were attempted meanwhile');
      const stopping = performance.now();
      agent.child.kill('SIGTERM');
      const run = await agent.result;
      assert.equal(run.code, 0, run.stderr);
      assert.ok(performance.now() - stopping < 2_000, 'the stop did not wait for the hanging sends');
    } finally {
      await blackhole.close();
    }
  });
});
