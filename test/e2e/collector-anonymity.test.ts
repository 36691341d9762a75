/**
 * The anonymity invariant at the door. Every field the protocol declares sensitive, in every
 * Connect and Discover event, gets a corpus of clear values (names, e-mails, IPs, paths, hosts,
 * look-alikes of the anonymizer's output), in JSON and in binary: each request is refused with
 * invalid_argument naming the field and not repeating the value. Discover error texts carrying the
 * same canaries are redacted. Then every byte the collector stored and every byte it forwarded to
 * PostHog is searched for the canaries.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fromJson, toBinary } from '@bufbuild/protobuf';
import {
  CONNECT_EVENTS,
  CONNECT_EXTRA_REQUEST,
  CONNECT_REQUEST,
  SUBMIT_CONNECT_EVENT_PATH,
  SUBMIT_CONNECT_EXTRA_EVENT_PATH,
  type ConnectEventSpec,
} from '../../src/protocol/connect-wire.js';
import { messageSchema } from '../../src/protocol/descriptors.js';
import { DISCOVER_EVENT_SENSITIVE, DISCOVER_REQUEST, DISCOVER_REQUEST_SENSITIVE, DISCOVER_STEPS, SUBMIT_EVENT_PATH, SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { everyStoredByte, startCollector, type RunningCollector } from '../helpers/collector-process.js';
import { startPostHogReceiver, type PostHogReceiver } from '../helpers/posthog-receiver.js';
import { anon, connectRequest, discoverRequest, discoverStep } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const almost = anon('prod-cluster');
/** Clear values and near misses, each carrying a canary that must never be stored or forwarded. */
const CORPUS: { kind: string; value: string; canary: string }[] = [
  { kind: 'plain name', value: 'zqcanary-prod-cluster', canary: 'zqcanary' },
  { kind: 'e-mail', value: 'zqcanary.alice@example.com', canary: 'zqcanary' },
  { kind: 'IPv4', value: '203.0.113.77', canary: '203.0.113.77' },
  { kind: 'IPv6', value: '2001:db8::77', canary: '2001:db8::77' },
  { kind: 'path', value: '/home/zqcanary/.tsh/keys', canary: 'zqcanary' },
  { kind: 'host name', value: 'zqcanary-db.corp.example.com', canary: 'zqcanary' },
  { kind: 'base64 of the clear name', value: Buffer.from('zqcanary-prod-cluster').toString('base64'), canary: Buffer.from('zqcanary-prod-cluster').toString('base64') },
  { kind: 'hex HMAC', value: 'ad'.repeat(32), canary: 'ad'.repeat(32) },
  { kind: '44 characters with an impossible 43rd', value: `${almost.slice(0, 42)}B=`, canary: `${almost.slice(0, 42)}B=` },
  { kind: 'the anonymizer output padded with a name', value: `${almost}zqcanary`, canary: 'zqcanary' },
];

const ERROR_CANARIES = [
  'failed to reach zqcanary-db.corp.example.com',
  'user zqcanary.alice@example.com is not allowed',
  'cannot reach 203.0.113.77',
  'open /home/zqcanary/.tsh: permission denied',
  'GET https://zqcanary.example.com/v1 failed',
  'database "zqcanary-prod" not found',
  'arn:aws:iam::123456789012:zqcanary is not authorized',
  'cannot open C:\\Users\\zqcanary\\tsh',
  `agent ${'zqcanary '.repeat(40)}`,
];

const CANARIES = [...new Set([...CORPUS.map((entry) => entry.canary), '123456789012', 'prod-cluster', 'alice@'])];

function setPath(target: Record<string, unknown>, path: string, value: string): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

interface Case {
  name: string;
  field: string;
  path: string;
  body: Record<string, unknown>;
  requestType: string;
  value: string;
}

function connectCases(spec: ConnectEventSpec): Case[] {
  return Object.entries(spec.sensitive).flatMap(([field, sensitivity]) =>
    [...CORPUS, ...(sensitivity === 'required' ? [{ kind: 'empty', value: '', canary: '' }] : [])].map((entry) => {
      const body = connectRequest(spec);
      setPath(body[spec.member] as Record<string, unknown>, field, entry.value);
      return {
        name: `${spec.posthogName} ${field} = ${entry.kind}`,
        field: `${spec.member}.${field}`,
        path: spec.contract === 'prehog' ? SUBMIT_CONNECT_EVENT_PATH : SUBMIT_CONNECT_EXTRA_EVENT_PATH,
        body,
        requestType: spec.contract === 'prehog' ? CONNECT_REQUEST : CONNECT_EXTRA_REQUEST,
        value: entry.value,
      };
    }),
  );
}

function discoverCases(): Case[] {
  return DISCOVER_STEPS.flatMap((step) =>
    [
      ...Object.entries(DISCOVER_REQUEST_SENSITIVE),
      ...Object.entries(DISCOVER_EVENT_SENSITIVE).map(([field, sensitivity]) => [`${step.member}.${field}`, sensitivity] as const),
    ].flatMap(([field, sensitivity]) =>
      // An optional field may be empty ("not reported"): RFD 0094's metadata carries only the id.
      [...CORPUS, ...(sensitivity === 'required' ? [{ kind: 'empty', value: '', canary: '' }] : [])].map((entry) => {
        const body = discoverRequest(step);
        setPath(body, field, entry.value);
        return { name: `${step.posthogName} ${field} = ${entry.kind}`, field, path: SUBMIT_EVENT_PATH, body, requestType: DISCOVER_REQUEST, value: entry.value };
      }),
    ),
  );
}

describe('the anonymity gate', () => {
  let workspace: Workspace;
  let posthog: PostHogReceiver;
  let collector: RunningCollector;
  let dataDir: string;
  const cases = [...CONNECT_EVENTS.flatMap(connectCases), ...discoverCases()];

  before(async () => {
    workspace = await makeWorkspace('tbot-anonymity-');
    dataDir = join(workspace.dir, 'data');
    posthog = await startPostHogReceiver();
    collector = await startCollector(dataDir, ['--posthog-host', posthog.url, '--posthog-api-key', 'phc_test']);
  });
  after(async () => {
    await collector.stop();
    await posthog.close();
    await workspace.remove();
  });

  it('declares sensitive fields for every event that carries cluster or user names', () => {
    assert.ok(cases.length > 500, `${cases.length} cases`);
    for (const spec of CONNECT_EVENTS) {
      const body = connectRequest(spec)[spec.member] as Record<string, unknown>;
      for (const field of Object.keys(body))
        if (/ClusterName$|^clusterName$|^userName$/.test(field)) assert.ok(field in spec.sensitive, `${spec.member}.${field} is declared sensitive`);
    }
  });

  for (const encoding of ['json', 'binary'] as const) {
    it(`refuses a clear value in every sensitive field (${encoding}), naming the field and never repeating the value`, async () => {
      const failures: string[] = [];
      for (let start = 0; start < cases.length; start += 32) {
        await Promise.all(
          cases.slice(start, start + 32).map(async (item) => {
            const schema = messageSchema(item.requestType);
            const body = encoding === 'json' ? JSON.stringify(item.body) : toBinary(schema, fromJson(schema, item.body as never));
            const response = await fetch(`${collector.url}${item.path}`, {
              method: 'POST',
              headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/proto' },
              body,
            });
            const text = await response.text();
            const json = JSON.parse(text) as { code?: string; message?: string };
            const expected = `${item.field}: expected the anonymizer's output`;
            if (response.status !== 400 || json.code !== 'invalid_argument' || !json.message?.startsWith(expected)) failures.push(`${item.name}: ${response.status} ${text}`);
            if (item.value !== '' && text.includes(item.value)) failures.push(`${item.name}: the value was echoed`);
          }),
        );
      }
      assert.deepEqual(failures, []);
    });
  }

  it('accepts the empty string where the contract allows it (no leaf cluster)', async () => {
    const body = connectRequest(CONNECT_EVENTS.find((spec) => spec.member === 'tabOpen')!);
    (body['tabOpen'] as Record<string, unknown>)['leafClusterName'] = '';
    assert.equal(
      (await fetch(`${collector.url}${SUBMIT_CONNECT_EXTRA_EVENT_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status,
      200,
    );
  });

  it('redacts Discover error texts that name an address, path, e-mail, host, IP, URL or identifier', async () => {
    const events = ERROR_CANARIES.map((error) => discoverRequest(discoverStep('test connection'), { status: 'DISCOVER_STATUS_ERROR', error }));
    const response = await fetch(`${collector.url}${SUBMIT_EVENTS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
    assert.equal(response.status, 200, await response.text());
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    const redacted = [...metrics.matchAll(/^tbot_collector_redacted_total\{family="discover",field="status\.error",rule="([a-z-]+)"\} (\d+)$/gm)];
    assert.equal(
      redacted.reduce((sum, match) => sum + Number(match[2]), 0),
      ERROR_CANARIES.length,
    );
    assert.deepEqual(new Set(redacted.map((match) => match[1])), new Set(['host', 'email', 'ip', 'path', 'url', 'quoted', 'identifier', 'too-long']));
  });

  it('no canary is in any stored byte or in any byte forwarded to PostHog', async () => {
    const stored = await everyStoredByte(dataDir);
    const records = stored.split('\n').filter((line) => line.startsWith('{"received_at"'));
    assert.ok(records.length >= 1 + ERROR_CANARIES.length);
    // A request sent twice (as JSON and as binary) is one event: PostHog gets each identity once.
    const identities = new Set(records.map((line) => (JSON.parse(line) as { uuid: string }).uuid)).size;
    await posthog.until(() => posthog.events().length >= identities);
    const everything = await everyStoredByte(dataDir);
    const forwarded = Buffer.concat(posthog.bodies).toString('utf8');
    assert.ok(forwarded.includes('"redacted"'));
    for (const canary of CANARIES) {
      assert.ok(!everything.includes(canary), `stored: ${canary}`);
      assert.ok(!forwarded.includes(canary), `forwarded: ${canary}`);
    }
  });
});
