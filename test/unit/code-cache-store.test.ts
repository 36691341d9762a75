/** The code-cache store's tidying: what prune removes and what it must leave alone. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codeCacheStore } from '../../src/cli/code-cache.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

describe('codeCacheStore.prune', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-code-cache-store-');
  });
  after(() => workspace.remove());

  it('removes caches of chunks no longer built and temp files older than an hour; keeps live caches, a write in progress and other files', async () => {
    const store = codeCacheStore(workspace.dir, process.getuid?.());
    assert.equal(store.write('live.js', 'key', Buffer.from('live data')), true);
    assert.equal(store.write('gone.js', 'key', Buffer.from('old data')), true);
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await writeFile(join(workspace.dir, '.live.js.123.abc.tmp'), 'killed mid-write');
    await utimes(join(workspace.dir, '.live.js.123.abc.tmp'), twoHoursAgo, twoHoursAgo);
    await writeFile(join(workspace.dir, '.live.js.456.def.tmp'), 'being written now');
    await writeFile(join(workspace.dir, 'notes.txt'), 'not ours to remove');
    await utimes(join(workspace.dir, 'notes.txt'), twoHoursAgo, twoHoursAgo);

    store.prune(new Set(['live.js']));

    assert.deepEqual(readdirSync(workspace.dir).sort(), ['.live.js.456.def.tmp', 'live.js.v8', 'notes.txt']);
    assert.deepEqual(store.read('live.js', 'key'), Buffer.from('live data'));
  });
});
