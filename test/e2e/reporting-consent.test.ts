/**
 * Consent as an app lives it, through the built library: with no answer nothing is captured,
 * buffered or written; "no" blocks even an explicit flush; DO_NOT_TRACK beats "yes". Every row
 * runs a real process against a loopback receiver and looks at the app-data directory afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { runReportingApp, type Step } from '../helpers/reporting-app.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const CONSENT_FILE = 'analytics-consent.json';

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).map(String).sort();
}

describe('consent', () => {
  let receiver: Receiver;
  let workspace: Workspace;
  let rows = 0;
  before(async () => {
    receiver = await startReceiver('ok');
    workspace = await makeWorkspace('tbot-consent-');
  });
  after(async () => {
    await receiver.close();
    await workspace.remove();
  });

  const appDataDir = (): string => {
    rows += 1;
    return join(workspace.dir, `app-${rows}`, 'data');
  };
  const run = (appData: string, steps: Step[], env: Record<string, string> = {}) => runReportingApp({ endpoint: receiver.url, service: 'batch', appData, steps }, env);

  it('unanswered: capture and flush send nothing and write nothing, not even the app-data directory', async () => {
    const appData = appDataDir();
    const before = receiver.connectionCount();
    const { output } = await run(appData, [['capture', 20], ['flush'], ['close']]);
    assert.equal(output.consent, 'unanswered');
    assert.equal(output.results[0]!['accepted'], 0);
    assert.equal(output.stats['captured'], 0);
    assert.equal(output.stats['buffered'], 0);
    assert.equal(receiver.connectionCount(), before);
    assert.deepEqual(await listing(join(appData, '..')), []);
  });

  it('"no": nothing is captured, an explicit flush sends nothing, and only the answer is written', async () => {
    const appData = appDataDir();
    const before = receiver.connectionCount();
    const { output } = await run(appData, [['answer', 'no'], ['capture', 20], ['flush'], ['close']]);
    assert.equal(output.consent, 'denied');
    assert.equal(output.stats['captured'], 0);
    assert.equal(receiver.connectionCount(), before);
    assert.deepEqual(await listing(appData), [CONSENT_FILE]);
    const record = JSON.parse(await readFile(join(appData, CONSENT_FILE), 'utf8'));
    assert.deepEqual(Object.keys(record), ['answer', 'askedAt', 'promptVersion']);
    assert.equal(record.answer, 'no');
    assert.equal((await stat(join(appData, CONSENT_FILE))).mode & 0o777, 0o600);
  });

  it('"no" after events were captured under "yes": the flush sends none of them', async () => {
    const appData = appDataDir();
    const before = receiver.connectionCount();
    const { output, stderr } = await run(appData, [['answer', 'yes'], ['capture', 20], ['answer', 'no'], ['flush'], ['close']]);
    assert.equal(output.stats['captured'], 20);
    assert.equal(output.stats['withheld'], 20);
    assert.equal(output.stats['sent'], 0);
    assert.equal(receiver.connectionCount(), before);
    assert.match(stderr, /app analytics: 20 events dropped: consent withdrawn/);
  });

  it('DO_NOT_TRACK=1 beats a stored "yes": nothing captured, sent or written beyond the answer', async () => {
    const appData = appDataDir();
    await mkdir(appData, { recursive: true });
    await writeFile(join(appData, CONSENT_FILE), JSON.stringify({ answer: 'yes', askedAt: '2026-11-01T10:00:00.000Z', promptVersion: 1 }), { mode: 0o600 });
    const before = receiver.connectionCount();
    const { output } = await run(appData, [['capture', 20], ['flush'], ['close']], { DO_NOT_TRACK: '1' });
    assert.equal(output.consent, 'denied');
    assert.equal(output.stats['captured'], 0);
    assert.equal(receiver.connectionCount(), before);
    assert.deepEqual(await listing(appData), [CONSENT_FILE]);
  });

  it('positive control: "yes" sends, creating the id (0600) and the cluster key only now', async () => {
    const appData = appDataDir();
    const before = receiver.requests.length;
    const { output } = await run(appData, [['answer', 'yes'], ['capture', 3], ['flush'], ['id']]);
    assert.equal(output.stats['sent'], 3);
    assert.equal(receiver.requests.length, before + 1);
    const files = await listing(appData);
    assert.deepEqual(
      files.filter((name) => !name.startsWith('anonymization-keys/')),
      [CONSENT_FILE, 'anonymization-keys', 'distinct-id'],
    );
    assert.equal(files.filter((name) => name.startsWith('anonymization-keys/')).length, 1);
    const id = output.results.at(-1)!['id'];
    const body = JSON.parse(receiver.requests.at(-1)!.body) as { events: { distinctId: string }[] };
    assert.ok(body.events.every((event) => event.distinctId === id));
    assert.equal((await stat(join(appData, 'distinct-id'))).mode & 0o777, 0o600);
  });

  it('a damaged consent file counts as no answer: the user is asked again and nothing is sent meanwhile', async () => {
    const appData = appDataDir();
    await mkdir(appData, { recursive: true });
    await writeFile(join(appData, CONSENT_FILE), JSON.stringify({ answer: 'sure', askedAt: '2026-11-01T10:00:00.000Z', promptVersion: 1 }), { mode: 0o600 });
    const before = receiver.connectionCount();
    const { output } = await run(appData, [['capture', 5], ['flush']]);
    assert.equal(output.consent, 'unanswered');
    assert.equal(receiver.connectionCount(), before);
  });

  it('"no" on a read-only app directory holding a "yes" (EROFS): in force at once, nothing more leaves, the failed save reported', async (t) => {
    const appData = appDataDir();
    await mkdir(appData, { recursive: true });
    // A real read-only file system, as the adversarial pass had it: root writes through chmod, not through ro.
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', appData], { stdio: 'ignore' });
    } catch {
      t.skip('mount is not permitted here; test/unit/consent-store.test.ts covers ENOTDIR and EISDIR');
      return;
    }
    t.after(() => execFileSync('umount', [appData]));
    // A first run says yes and sends, leaving the answer, the id and the cluster key in place.
    await run(appData, [['answer', 'yes'], ['capture', 1], ['flush'], ['close']]);
    execFileSync('mount', ['-o', 'remount,ro', appData]);
    const before = receiver.connectionCount();
    const { output } = await run(appData, [['capture', 20], ['answer', 'no'], ['capture', 20], ['flush'], ['close']]);
    const answered = output.results.find((result) => result.step === 'answer')!;
    assert.equal(answered['state'], 'denied');
    assert.equal(answered['saved'], false);
    assert.equal(answered['saveProblem'], `${join(appData, CONSENT_FILE)}: read-only file system`);
    assert.equal(output.consent, 'denied');
    assert.equal(output.stats['captured'], 20);
    assert.equal(output.stats['withheld'], 20);
    assert.equal(output.stats['sent'], 0);
    assert.equal(receiver.connectionCount(), before);
    assert.equal(JSON.parse(await readFile(join(appData, CONSENT_FILE), 'utf8')).answer, 'yes');
  });
});
