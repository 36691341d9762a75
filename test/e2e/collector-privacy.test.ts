/**
 * Issue 18, privacy items 1 to 3, against the real collector and a PostHog receiver:
 * - a host name in any closed Connect field (and in a version) is stored and forwarded as `other`,
 *   and counted by field, never refused;
 * - Discover error texts that name something are dropped however their dots are written;
 * - lines doctored in a segment (a clear cluster name, an unknown key, a clear helper, another
 *   family's event under `connect`) are never forwarded: each is parked in the dead letters with
 *   a reason and counted, and the reports skip them as damaged lines.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONNECT_EVENTS, SUBMIT_CONNECT_EVENT_PATH, SUBMIT_CONNECT_EXTRA_EVENT_PATH } from '../../src/protocol/connect-wire.js';
import { SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { DEAD_LETTER_FILE, type DeadLetter } from '../../src/collector/store/dead-letter.js';
import { segmentName } from '../../src/collector/store/segments.js';
import { everyStoredByte, eventually, runCollector, startCollector, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { startPostHogReceiver, type PostHogReceiver } from '../helpers/posthog-receiver.js';
import { connectRequest, discoverRequest, discoverStep } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** Every closed field of the Connect contracts, by event (the unit test checks the module agrees). */
const CLOSED: Readonly<Record<string, readonly string[]>> = {
  clusterLogin: ['connectorType', 'arch', 'os', 'osVersion', 'appVersion'],
  protocolUse: ['protocol', 'origin', 'accessThrough'],
  accessRequestCreate: ['kind'],
  userJobRoleUpdate: ['jobRole'],
  connectMyComputerSetup: ['failedStep'],
  start: ['os', 'arch', 'osVersion', 'connectVersion'],
  tabOpen: ['tabKind'],
  connectionsPickerItemSelect: ['connectionKind'],
  commandBarCommandRun: ['commandKind'],
  commandBarAutocompleteSelect: ['suggestionKind'],
  resourceTableSearch: ['resourceKind'],
  accessRequestsCreate: ['kind'],
  dbProxyRunCli: ['protocol'],
};
const HOST = 'zqhost01.corp.example.com';
const OS_VERSION = '6.1.0-zqhost03.alice.example.com';
const APP_VERSION = '17.0.0+zqhost04.alice.laptop.local';

const ERRORS = [
  'db01\u2024zqdots\u2024example\u2024com refused',
  '\uFF5A\uFF51\uFF46\uFF55\uFF4C\uFF4C\uFF0E\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45\uFF0E\uFF43\uFF4F\uFF4D timeout',
  'user zqerralice on database zqorders',
  'token ZQtoken123\u2026',
];
const ERROR_MARKERS = ['zqdots', 'zqfull', 'zqerralice', 'zqorders', 'zqtoken'];

/** Lines as someone with write access to the data directory could leave them, one per way of lying. */
function doctoredLines(receivedAt: string): { line: string; reason: RegExp; family: string }[] {
  const login = connectRequest(CONNECT_EVENTS.find((spec) => spec.member === 'clusterLogin')!);
  (login['clusterLogin'] as Record<string, unknown>)['clusterName'] = 'zqclearcluster';
  const withHostname = tbotEvent();
  (withHostname.start as Record<string, unknown>)['hostname'] = 'zqhostnamekey';
  const line = (family: string, event: unknown): string => JSON.stringify({ received_at: receivedAt, family, event });
  return [
    { family: 'connect', line: line('connect', login), reason: /^connect: clusterLogin\.clusterName: not the anonymizer's output$/ },
    { family: 'tbot', line: line('tbot', withHostname), reason: /^tbot: start: has a field its contract does not define$/ },
    { family: 'tbot', line: line('tbot', tbotEvent({ helper: 'zqalice@laptop', helperVersion: '1.0.0' })), reason: /^tbot: start\.helper: / },
    { family: 'connect', line: line('connect', tbotEvent({ joinType: 'zqtbotinconnect' })), reason: /^connect: / },
  ];
}
/** The one sound line of the doctored segment: it must still be forwarded. */
const GOOD_ID = crypto.randomUUID();
const DOCTORED_MARKERS = ['zqclearcluster', 'zqhostnamekey', 'zqalice@laptop', 'zqtbotinconnect'];

async function post(url: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
  return response.status;
}

describe('privacy of stored text, on the way in and on the way out', () => {
  let workspace: Workspace;
  let dataDir: string;
  let posthog: PostHogReceiver;
  let collector: RunningCollector;
  const closedConnect = CONNECT_EVENTS.filter((spec) => spec.member in CLOSED);

  before(async () => {
    workspace = await makeWorkspace('tbot-privacy-');
    dataDir = join(workspace.dir, 'data');
    await mkdir(dataDir, { mode: 0o700 });
    // Yesterday's segment, written before the collector starts, as a file someone edited.
    const yesterday = new Date(Date.now() - 86_400_000);
    const good = connectRequest(CONNECT_EVENTS.find((spec) => spec.member === 'clusterAdd')!, GOOD_ID);
    const lines = [...doctoredLines(yesterday.toISOString()).map((entry) => entry.line), JSON.stringify({ received_at: yesterday.toISOString(), family: 'connect', event: good })];
    await workspace.write(`data/${segmentName(yesterday)}`, `${lines.join('\n')}\n`);
    posthog = await startPostHogReceiver();
    collector = await startCollector(dataDir, ['--posthog-host', posthog.url, '--posthog-api-key', 'phc_test']);
  });
  after(async () => {
    await collector.stop();
    await posthog.close();
    await workspace.remove();
  });

  it('stores a host name in every closed Connect field, and in both versions, as "other", counting each by field', async () => {
    for (const spec of closedConnect) {
      const request = connectRequest(spec);
      const event = request[spec.member] as Record<string, unknown>;
      for (const field of CLOSED[spec.member]!) event[field] = /Version$/.test(field) ? (field === 'osVersion' ? OS_VERSION : APP_VERSION) : HOST;
      assert.equal(await post(collector.url, spec.contract === 'prehog' ? SUBMIT_CONNECT_EVENT_PATH : SUBMIT_CONNECT_EXTRA_EVENT_PATH, request), 200, spec.member);
    }
    const stored = await everyStoredByte(dataDir);
    for (const marker of ['zqhost01', 'zqhost03', 'zqhost04']) assert.ok(!stored.includes(marker), `stored: ${marker}`);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    for (const spec of closedConnect)
      for (const field of CLOSED[spec.member]!)
        assert.match(metrics, new RegExp(`^tbot_collector_vocabulary_other_total\\{family="connect",field="${spec.member}\\.${field}"\\} 1$`, 'm'));
  });

  it('drops every Discover error text of the issue, and a host name in the Teleport version', async () => {
    const runId = crypto.randomUUID();
    // One error a second, as a wizard's retries are: two errors redacted alike at the same instant
    // would be one event by its identity (the store's uuid), and reach PostHog once.
    const first = Date.now() - 60_000;
    const events = ERRORS.map((error, index) =>
      discoverRequest(discoverStep('test connection'), { runId, status: 'DISCOVER_STATUS_ERROR', error, timestamp: new Date(first + index * 1000).toISOString() }),
    );
    events.push({ ...discoverRequest(discoverStep('started'), { runId }), teleportVersion: '17.0.0-zqversionhost.example.com' });
    assert.equal(await post(collector.url, SUBMIT_EVENTS_PATH, { events }), 200);
    const stored = await everyStoredByte(dataDir);
    for (const marker of [...ERROR_MARKERS, 'zqversionhost']) assert.ok(!stored.normalize('NFKC').toLowerCase().includes(marker), `stored: ${marker}`);
    const mine = stored.split('\n').filter((line) => line.includes(runId));
    assert.equal(mine.filter((line) => line.includes('"error":"redacted"')).length, ERRORS.length);
    assert.equal(mine.filter((line) => line.includes('"teleportVersion":"other"')).length, 1);
  });

  it('parks each doctored line in the dead letters with its reason, counts it, and forwards none of it', async () => {
    const expected = doctoredLines(new Date().toISOString());
    await eventually(async () => (await readFile(join(dataDir, DEAD_LETTER_FILE), 'utf8').catch(() => '')).split('\n').filter(Boolean).length, expected.length, 20_000);
    const parked = (await readFile(join(dataDir, DEAD_LETTER_FILE), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DeadLetter);
    assert.deepEqual(
      parked.map((entry) => entry.reason),
      expected.map(() => 'invalid'),
    );
    for (const [index, entry] of parked.entries()) assert.match(entry.detail, expected[index]!.reason);
    // A reason names the field, never the value nor an unknown key.
    for (const entry of parked) for (const marker of DOCTORED_MARKERS) assert.ok(!entry.detail.includes(marker), entry.detail);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.match(metrics, /^tbot_collector_forward_dead_lettered_total\{reason="invalid"\} 4$/m);
    // Everything else, the good line of the doctored segment included, does reach PostHog.
    await posthog.until(() => posthog.events().some((event) => event.distinct_id === GOOD_ID));
    await posthog.until(() => posthog.events().filter((event) => event.properties['tp.discover.step.status'] === 'DISCOVER_STATUS_ERROR').length >= ERRORS.length);
    const forwarded = Buffer.concat(posthog.bodies).toString('utf8');
    for (const marker of [...DOCTORED_MARKERS, 'zqhost01', 'zqhost03', 'zqhost04', ...ERROR_MARKERS, 'zqversionhost'])
      assert.ok(!forwarded.normalize('NFKC').toLowerCase().includes(marker), `forwarded: ${marker}`);
    assert.ok(!posthog.events().some((event) => event.event === 'connect.start' && 'run_mode' in event.properties), 'a tbot event went out as connect.start');
    assert.ok(forwarded.includes('"other"'));
  });

  it('skips the doctored lines in every report and counts them as damaged, printing none of their text', async () => {
    for (const [family, skipped] of [
      ['tbot', /2 damaged lines/],
      ['connect', /2 damaged lines/],
    ] as const) {
      for (const format of ['table', 'json', 'csv', 'html']) {
        const run = await runCollector(['report', family, '--since', '3d', '--format', format, '--data-dir', dataDir]);
        assert.equal(run.code, 0, run.stderr);
        for (const marker of DOCTORED_MARKERS) assert.ok(!run.stdout.includes(marker), `${family} ${format}: ${marker}`);
        if (format === 'table') assert.match(run.stdout, skipped, `${family}: ${run.stdout}`);
      }
    }
  });
});
