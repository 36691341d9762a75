/**
 * The reporting library's files in the app-data directory, against what can be found there or
 * done to it: an answer that cannot be saved still holds, and a FIFO, a link to /dev/zero or a
 * huge file in place of the consent answer or the installation id neither hangs nor is read whole.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CONSENT_FILE, ConsentStore } from '../../src/reporting/consent.js';
import { NotARegularFileError } from '../../src/reporting/create-once.js';
import { DISTINCT_ID_FILE, PersistedDistinctId, UUID_V4 } from '../../src/reporting/identity.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const FIFTY_MB = 50 * 1024 * 1024;
const YES = JSON.stringify({ answer: 'yes', askedAt: '2026-11-01T10:00:00.000Z', promptVersion: 1 });

describe('consent answers that cannot be saved', () => {
  let workspace: Workspace;
  beforeEach(async () => (workspace = await makeWorkspace('tbot-consent-store-')));
  afterEach(() => workspace.remove());

  it('"no" under an app directory whose path runs through a regular file: denied at once, the failure returned (ENOTDIR)', async () => {
    // Root ignores permission bits, so the save is made to fail by the path itself.
    await writeFile(join(workspace.dir, 'not-a-dir'), 'x');
    const store = await ConsentStore.open(join(workspace.dir, 'not-a-dir', 'app'), { env: {} });
    const outcome = await store.answer('no', new Date('2026-12-01T00:00:00Z'));
    assert.equal(store.state(), 'denied');
    assert.equal(outcome.saved, false);
    assert.equal(outcome.record.answer, 'no');
    assert.equal(outcome.saveProblem, `${store.path}: a parent of this path is not a directory`);
  });

  it('"no" after a stored "yes" when the consent path is a directory: denied at once (EISDIR), nothing else touched', async () => {
    const appData = join(workspace.dir, 'app');
    await mkdir(join(appData, CONSENT_FILE), { recursive: true });
    await writeFile(join(appData, CONSENT_FILE, 'keep'), 'mine');
    const store = await ConsentStore.open(appData, { env: {} });
    assert.match(store.problem ?? '', /it is a directory, not a regular file/);
    await store.answer('yes');
    assert.equal(store.state(), 'granted');
    const outcome = await store.answer('no');
    assert.equal(store.state(), 'denied');
    assert.equal(outcome.saved, false);
    assert.match(outcome.saveProblem ?? '', new RegExp(`^${store.path}: `));
    assert.deepEqual(await readdir(appData), [CONSENT_FILE]);
    assert.equal(await readFile(join(appData, CONSENT_FILE, 'keep'), 'utf8'), 'mine');
  });

  it('a saved answer reports saved: true (positive control)', async () => {
    const store = await ConsentStore.open(join(workspace.dir, 'app'), { env: {} });
    const outcome = await store.answer('no');
    assert.deepEqual({ saved: outcome.saved, problem: outcome.saveProblem }, { saved: true, problem: undefined });
    assert.equal(JSON.parse(await readFile(store.path, 'utf8')).answer, 'no');
  });
});

describe('consent and installation-id files are read only when regular and small', () => {
  let workspace: Workspace;
  let appData: string;
  beforeEach(async () => {
    workspace = await makeWorkspace('tbot-consent-store-');
    appData = join(workspace.dir, 'app');
    await mkdir(appData);
  });
  afterEach(() => workspace.remove());

  const plants: { name: string; plant: (path: string) => Promise<void>; problem: RegExp }[] = [
    { name: 'a FIFO', plant: async (path) => void execFileSync('mkfifo', [path]), problem: /it is a FIFO \(named pipe\), not a regular file/ },
    { name: 'a link to /dev/zero', plant: (path) => symlink('/dev/zero', path), problem: /it is a character device, not a regular file/ },
  ];

  for (const { name, plant, problem } of plants) {
    it(`consent: ${name} is refused without hanging, and counts as no answer`, { timeout: 5000 }, async () => {
      await plant(join(appData, CONSENT_FILE));
      const store = await ConsentStore.open(appData, { env: {} });
      assert.equal(store.state(), 'unanswered');
      assert.match(store.problem ?? '', problem);
    });

    it(`installation id: ${name} is refused without hanging, and left in place`, { timeout: 5000 }, async () => {
      await plant(join(appData, DISTINCT_ID_FILE));
      const id = new PersistedDistinctId(appData);
      await assert.rejects(id.resolve(), (error: unknown) => error instanceof NotARegularFileError && problem.test(error.message));
      assert.deepEqual(await readdir(appData), [DISTINCT_ID_FILE]);
    });
  }

  for (const { name, plant } of plants) {
    it(`consent: an answer is in force but not saved over ${name}, which is left in place`, { timeout: 5000 }, async () => {
      const path = join(appData, CONSENT_FILE);
      await plant(path);
      const before = await lstat(path);
      const store = await ConsentStore.open(appData, { env: {} });
      const outcome = await store.answer('no');
      assert.equal(store.state(), 'denied');
      assert.equal(outcome.saved, false);
      assert.match(outcome.saveProblem ?? '', /it is a (FIFO \(named pipe\)|symbolic link), not a regular file; left as it is/);
      const after = await lstat(path);
      assert.equal(after.ino, before.ino, 'the same file is still there');
      assert.deepEqual(await readdir(appData), [CONSENT_FILE], 'no temp file left behind');
    });
  }

  it('consent: a 50 MB file is refused from its size, not read', async () => {
    const path = join(appData, CONSENT_FILE);
    await writeFile(path, YES);
    await truncate(path, FIFTY_MB);
    const store = await ConsentStore.open(appData, { env: {} });
    assert.equal(store.state(), 'unanswered');
    assert.equal(store.problem, `${path}: it is larger than 4 KiB, the limit for this file`);
  });

  it('installation id: a 50 MB file is damaged content: moved aside (not deleted) and replaced', async () => {
    const path = join(appData, DISTINCT_ID_FILE);
    await writeFile(path, 'f4a3c1de-9f0b-4e7a-8c55-0d6f5a1b2c3d');
    await truncate(path, FIFTY_MB);
    const id = await new PersistedDistinctId(appData).resolve();
    assert.match(id, UUID_V4);
    const names = (await readdir(appData)).sort();
    assert.equal(names.length, 2);
    assert.equal(names[0], DISTINCT_ID_FILE);
    assert.match(names[1] ?? '', /^distinct-id\.invalid-[0-9a-f]{8}$/);
  });
});
