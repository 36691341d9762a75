/** The collector's heartbeat service: a real Connect client in JSON and binary, and what it refuses. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { serviceSchema } from '../../src/protocol/descriptors.js';
import { SUBMIT_HEARTBEAT_PATH } from '../../src/protocol/heartbeat-wire.js';
import { startCollector, storedLines, type RunningCollector } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const VALID = () => ({
  distinctId: crypto.randomUUID(),
  timestamp: new Date().toISOString(),
  heartbeat: {
    runMode: 'RUN_MODE_DAEMON',
    version: '1.2.3',
    joinType: 'iam',
    renewals: 72,
    renewalFailures: 1,
    outputsIdentity: 1,
    outputsDatabase: 2,
    outputsKubernetes: 0,
    outputsApplication: 0,
    outputsSshHost: 0,
    outputsSpiffeSvid: 0,
    uptimeBucket: 'UPTIME_BUCKET_2_7D',
  },
});

describe('collector: tbotanalytics.v1.AgentReportingService/SubmitHeartbeat', () => {
  let workspace: Workspace;
  let collector: RunningCollector;
  let dataDir: string;
  before(async () => {
    workspace = await makeWorkspace('tbot-collector-heartbeat-');
    dataDir = join(workspace.dir, 'data');
    collector = await startCollector(dataDir);
  });
  after(async () => {
    await collector.stop();
    await workspace.remove();
  });

  const post = async (body: unknown): Promise<{ status: number; json: { code?: string; message?: string } }> => {
    const response = await fetch(`${collector.url}${SUBMIT_HEARTBEAT_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as { code?: string; message?: string } };
  };

  it('stores what the agent sends, as the tbot.heartbeat family', async () => {
    const event = VALID();
    assert.equal((await post(event)).status, 200);
    const record = (await storedLines(dataDir)).map((line) => JSON.parse(line)).find((line) => line.event.distinctId === event.distinctId);
    assert.equal(record.family, 'tbot.heartbeat');
    assert.deepEqual(record.event, event);
  });

  for (const binary of [false, true]) {
    it(`accepts a real Connect client in ${binary ? 'binary protobuf' : 'JSON'} mode, zero values filled in`, async () => {
      const client = createClient(
        serviceSchema('tbotanalytics.v1.AgentReportingService'),
        createConnectTransport({ baseUrl: collector.url, useBinaryFormat: binary, fetch: globalThis.fetch }),
      ) as unknown as {
        submitHeartbeat(request: unknown): Promise<unknown>;
      };
      const distinctId = crypto.randomUUID();
      await client.submitHeartbeat({
        distinctId,
        timestamp: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
        event: { case: 'heartbeat', value: { runMode: 2, version: '1.2.3', joinType: 'token', renewals: 3, outputsIdentity: 1, uptimeBucket: 1 } },
      });
      const record = (await storedLines(dataDir)).map((line) => JSON.parse(line)).find((line) => line.event.distinctId === distinctId);
      assert.deepEqual(record.event.heartbeat, { ...VALID().heartbeat, joinType: 'token', renewals: 3, renewalFailures: 0, outputsDatabase: 0, uptimeBucket: 'UPTIME_BUCKET_1D' });
    });
  }

  it('skips fields it does not know (a newer agent may add some), counts them, and never stores them', async () => {
    const event = VALID();
    const metric = async (): Promise<number> => Number(/tbot_collector_unknown_fields_skipped_total (\d+)/.exec(await (await fetch(`${collector.url}/metrics`)).text())?.[1]);
    const before = await metric();
    assert.equal((await post({ ...event, hostname: 'zqxhostcanary', heartbeat: { ...event.heartbeat, clusterName: 'zqxclustercanary' } })).status, 200);
    assert.equal(await metric(), before + 2);
    const lines = await storedLines(dataDir);
    const record = lines.map((line) => JSON.parse(line)).find((line) => line.event.distinctId === event.distinctId);
    assert.deepEqual(record.event, event);
    assert.ok(!lines.join('\n').includes('canary'));
  });

  const heartbeat = VALID().heartbeat;
  const corpus: [string, () => unknown, RegExp][] = [
    ['a missing heartbeat', () => ({ distinctId: crypto.randomUUID(), timestamp: new Date().toISOString() }), /must have required property 'heartbeat'/],
    ['an unknown run mode', () => ({ ...VALID(), heartbeat: { ...heartbeat, runMode: 'RUN_MODE_SOMETIMES' } }), /RUN_MODE_SOMETIMES/],
    ['a timestamp that is no date', () => ({ ...VALID(), timestamp: '2026-02-30T10:00:00Z' }), /timestamp/],
    ['an unspecified uptime bucket', () => ({ ...VALID(), heartbeat: { ...heartbeat, uptimeBucket: 'UPTIME_BUCKET_UNSPECIFIED' } }), /^heartbeat\.uptimeBucket: /],
    ['a negative count', () => ({ ...VALID(), heartbeat: { ...heartbeat, renewalFailures: -1 } }), /^heartbeat\.renewalFailures: /],
    ['an absurd renewal count', () => ({ ...VALID(), heartbeat: { ...heartbeat, renewals: 5_000_000 } }), /^heartbeat\.renewals: /],
    ['a distinct id that is not a UUID', () => ({ ...VALID(), distinctId: 'alice-laptop' }), /^distinctId: /],
    ['a timestamp two days ahead', () => ({ ...VALID(), timestamp: new Date(Date.now() + 48 * 3_600_000).toISOString() }), /24 h ahead/],
  ];
  for (const [name, body, message] of corpus) {
    it(`refuses ${name} with invalid_argument, naming the field, and stores nothing`, async () => {
      const before = (await storedLines(dataDir)).length;
      const result = await post(body());
      assert.equal(result.status, 400);
      assert.equal(result.json.code, 'invalid_argument');
      assert.match(result.json.message ?? '', message);
      assert.equal((await storedLines(dataDir)).length, before);
    });
  }
});
