/**
 * The collector's canary: a unique marker goes into every Connect and Discover field that can
 * carry text (the ids, the time, the anonymized names, every closed field and version, the enums,
 * the counts and the free-text error), one field per request, in three forms: plain, full-width
 * (which NFKC folds back to plain) and inside a host or path written with look-alike dots and
 * slashes. Whatever the collector does with each request (refuse it, store "other", redact), no
 * marker may appear, after NFKC and look-alike folding, in any stored byte (segments, dead letters,
 * cursor), in any request PostHog receives, or in any report in any format.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONNECT_EVENTS, SUBMIT_CONNECT_EVENT_PATH, SUBMIT_CONNECT_EXTRA_EVENT_PATH } from '../../src/protocol/connect-wire.js';
import { DISCOVER_STEPS, SUBMIT_EVENT_PATH } from '../../src/protocol/discover-wire.js';
import { everyStoredByte, runCollector, startCollector, storedLines, type RunningCollector } from '../helpers/collector-process.js';
import { startPostHogReceiver, type PostHogReceiver } from '../helpers/posthog-receiver.js';
import { connectRequest, discoverRequest } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** Full-width forms of ASCII letters and digits (NFKC maps them back). */
const fullWidth = (text: string): string => text.replace(/[!-~]/g, (character) => String.fromCodePoint(character.codePointAt(0)! + 0xfee0));

/** The look-alikes a form uses, and what a reader takes them for. */
const LOOK_ALIKES: Readonly<Record<string, string>> = { '\u2024': '.', '\u3002': '.', '\uFE52': '.', '\u2215': '/', '\u2044': '/', '\uFF20': '@' };
const FORMS: readonly [string, (marker: string) => string][] = [
  ['plain', (marker) => marker],
  ['full-width', fullWidth],
  ['look-alike host', (marker) => `${marker}\u2024corp\u3002example\uFE52com`],
  ['look-alike path and mail', (marker) => `home\u2215${marker}\u2044keys \u2024 ${marker}\uFF20corp`],
];

/** What a reader sees in stored or sent text: NFKC, then the look-alikes as what they imitate. */
const fold = (text: string): string =>
  text
    .normalize('NFKC')
    .replace(/[\u2024\u3002\uFE52\u2215\u2044\uFF20]/g, (character) => LOOK_ALIKES[character] ?? character)
    .toLowerCase();

interface Probe {
  field: string;
  form: string;
  marker: string;
  path: string;
  body: Record<string, unknown>;
}

let serial = 0;
const nextMarker = (): string => `zqcanary${(serial++).toString(36).padStart(3, '0')}x`;

function setAt(target: Record<string, unknown>, path: readonly string[], value: string): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1)!] = value;
}

/** Every string-valued (or int64-as-string) leaf of a request, by path. */
function textFields(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return [path];
  if (typeof value === 'number') return [];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => textFields(child, [...path, key]));
}

function probes(): Probe[] {
  const found: Probe[] = [];
  const add = (path: string, request: () => Record<string, unknown>, fields: string[][]): void => {
    for (const field of fields)
      for (const [form, write] of FORMS) {
        const marker = nextMarker();
        const body = request();
        // The error is free text: put the marker among words the screen would otherwise keep.
        setAt(body, field, field.at(-1) === 'error' ? `${write(marker)} connection refused` : write(marker));
        found.push({ field: field.join('.'), form, marker, path, body });
      }
  };
  for (const spec of CONNECT_EVENTS) {
    const path = spec.contract === 'prehog' ? SUBMIT_CONNECT_EVENT_PATH : SUBMIT_CONNECT_EXTRA_EVENT_PATH;
    add(path, () => connectRequest(spec), textFields(connectRequest(spec)));
  }
  for (const step of DISCOVER_STEPS) {
    const request = () => discoverRequest(step, { status: 'DISCOVER_STATUS_ERROR', error: 'timeout' });
    add(SUBMIT_EVENT_PATH, request, textFields(request()));
  }
  return found;
}

describe('the collector canary: no marker in any field reaches the store, PostHog or a report', () => {
  let workspace: Workspace;
  let dataDir: string;
  let posthog: PostHogReceiver;
  let collector: RunningCollector;
  const all = probes();
  const statuses = new Map<number, number>();

  before(async () => {
    workspace = await makeWorkspace('tbot-collector-canary-');
    dataDir = join(workspace.dir, 'data');
    posthog = await startPostHogReceiver();
    collector = await startCollector(dataDir, ['--posthog-host', posthog.url, '--posthog-api-key', 'phc_test']);
    for (let start = 0; start < all.length; start += 32) {
      await Promise.all(
        all.slice(start, start + 32).map(async (probe) => {
          const response = await fetch(`${collector.url}${probe.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(probe.body) });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }),
      );
    }
  });
  after(async () => {
    await collector.stop();
    await posthog.close();
    await workspace.remove();
  });

  it('puts a marker in every text field of every Connect and Discover event, in every form', () => {
    const fields = new Set(all.map((probe) => probe.field));
    for (const field of [
      'distinctId',
      'timestamp',
      'clusterLogin.clusterName',
      'clusterLogin.osVersion',
      'tabOpen.tabKind',
      'userJobRoleUpdate.jobRole',
      'clusterName',
      'teleportVersion',
    ])
      assert.ok(fields.has(field), field);
    assert.ok([...fields].some((field) => field.endsWith('status.error')));
    assert.ok([...fields].some((field) => field.endsWith('metadata.userName')));
    assert.ok(all.length > 600, `${all.length} probes`);
    // Every request was answered: accepted (the value replaced) or refused, never a server error.
    assert.deepEqual([...statuses.keys()].sort(), [200, 400]);
    assert.ok((statuses.get(200) ?? 0) > 100, JSON.stringify([...statuses]));
  });

  it('no marker is in any stored byte, nor in any request PostHog received', async () => {
    const stored = (await storedLines(dataDir)).length;
    assert.equal(stored, statuses.get(200));
    await posthog.until(() => posthog.events().length >= stored, 30_000);
    const everything = fold(await everyStoredByte(dataDir));
    const forwarded = fold(Buffer.concat(posthog.bodies).toString('utf8'));
    const leaked = all.filter((probe) => everything.includes(probe.marker) || forwarded.includes(probe.marker));
    assert.deepEqual(
      leaked.map((probe) => `${probe.field} (${probe.form})`),
      [],
    );
  });

  it('no marker is in any report, in any format', async () => {
    const leaks: string[] = [];
    for (const family of ['connect', 'discover'])
      for (const format of ['table', 'json', 'csv', 'html']) {
        const run = await runCollector(['report', family, '--since', '1d', '--format', format, '--data-dir', dataDir]);
        assert.equal(run.code, 0, run.stderr);
        const output = fold(run.stdout + run.stderr);
        for (const probe of all) if (output.includes(probe.marker)) leaks.push(`${family} ${format}: ${probe.field} (${probe.form})`);
      }
    assert.deepEqual(leaks, []);
  });
});
