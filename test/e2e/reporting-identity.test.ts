/**
 * The persisted distinct id: one per app-data directory, the same in every process that uses it,
 * created atomically even when processes race for the first use, 0600, and replaced (not trusted)
 * when damaged.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readOrCreateOnce } from '../../src/reporting/create-once.js';
import { PersistedDistinctId, UUID_V4 } from '../../src/reporting/index.js';
import { runReportingApp } from '../helpers/reporting-app.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const CONSENTED = JSON.stringify({ answer: 'yes', askedAt: '2026-11-01T10:00:00.000Z', promptVersion: 1 });

describe('persisted distinct id', () => {
  let workspace: Workspace;
  let dirs = 0;
  before(async () => {
    workspace = await makeWorkspace('tbot-identity-');
  });
  after(() => workspace.remove());

  const freshDir = async (): Promise<string> => {
    dirs += 1;
    const dir = join(workspace.dir, `app-${dirs}`);
    await mkdir(dir);
    await writeFile(join(dir, 'analytics-consent.json'), CONSENTED, { mode: 0o600 });
    return dir;
  };
  // Nothing listens on port 9 of loopback; the id step needs no network.
  const idOf = async (appData: string, startAt?: number): Promise<string> => {
    const { output } = await runReportingApp({ endpoint: 'http://127.0.0.1:9', service: 'batch', appData, steps: [['id']], ...(startAt === undefined ? {} : { startAt }) });
    return output.results[0]!['id'] as string;
  };

  it('is a UUIDv4 in a 0600 file, the same in every later process', async () => {
    const dir = await freshDir();
    const first = await idOf(dir);
    assert.match(first, UUID_V4);
    assert.equal(await idOf(dir), first);
    assert.equal(await idOf(dir), first);
    assert.equal((await readFile(join(dir, 'distinct-id'), 'utf8')).trim(), first);
    assert.equal((await stat(join(dir, 'distinct-id'))).mode & 0o777, 0o600);
  });

  it('processes racing for the first use all end up with the same id, and leave no temp files', async () => {
    // Each round starts several processes that wait for the same instant, then reach for the id.
    for (let round = 0; round < 3; round += 1) {
      const dir = await freshDir();
      const startAt = Date.now() + 1_500;
      const ids = await Promise.all(Array.from({ length: 4 }, () => idOf(dir, startAt)));
      assert.equal(new Set(ids).size, 1, `round ${round}: ${ids.join(' ')}`);
      assert.equal((await readFile(join(dir, 'distinct-id'), 'utf8')).trim(), ids[0]);
      assert.deepEqual((await readdir(dir)).sort(), ['analytics-consent.json', 'distinct-id']);
    }
  });

  it("the loser of the link race adopts the winner's bytes (both paths taken in one process)", async () => {
    const path = join(workspace.dir, 'race', 'id');
    const [a, b] = await Promise.all([
      readOrCreateOnce(
        path,
        () => Buffer.from('candidate-a'),
        () => true,
      ),
      readOrCreateOnce(
        path,
        () => Buffer.from('candidate-b'),
        () => true,
      ),
    ]);
    assert.equal([a, b].filter((result) => result.created).length, 1, 'exactly one candidate won');
    assert.deepEqual(a.bytes, b.bytes);
    assert.deepEqual(await readdir(join(workspace.dir, 'race')), ['id']);
  });

  it('a damaged id file is moved aside and replaced by a valid id', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'distinct-id'), 'alice-laptop\n', { mode: 0o600 });
    const id = await new PersistedDistinctId(dir).resolve();
    assert.match(id, UUID_V4);
    const names = await readdir(dir);
    assert.ok(
      names.some((name) => name.startsWith('distinct-id.invalid-')),
      names.join(' '),
    );
    assert.equal(await idOf(dir), id);
  });
});
