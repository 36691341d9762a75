/**
 * `tenant add` and `tenant revoke` rewrite one registry file. Run at once (a provisioning script
 * that adds tenants in parallel), each must see the others' changes: a tenant dropped from the
 * registry holds a certificate the server refuses and nobody can revoke.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCollector } from '../helpers/collector-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const PARALLEL = 8;

describe('tenant registry under parallel commands', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-tenant-registry-');
  });
  after(() => workspace.remove());

  it(`${PARALLEL} tenant adds started at once, on a fresh data dir, all end up in the registry with one CA`, async () => {
    const dataDir = join(workspace.dir, 'data');
    const names = Array.from({ length: PARALLEL }, (_, index) => `tenant-${index}`);
    const runs = await Promise.all(names.map((name) => runCollector(['tenant', 'add', name, '--data-dir', dataDir, '--out', join(workspace.dir, name)], {}, 60_000)));
    for (const [index, run] of runs.entries()) assert.equal(run.code, 0, `tenant add ${names[index]}: ${run.stderr}`);
    const list = await runCollector(['tenant', 'list', '--data-dir', dataDir, '--format', 'json'], {}, 30_000);
    assert.equal(list.code, 0, list.stderr);
    const listed = (JSON.parse(list.stdout) as { name: string }[]).map((entry) => entry.name).sort();
    assert.deepEqual(listed, names);
    const { readFile } = await import('node:fs/promises');
    const cas = new Set(await Promise.all(names.map((name) => readFile(join(workspace.dir, name, 'ca.crt'), 'utf8'))));
    assert.equal(cas.size, 1, 'every tenant got the same collector CA');
  });

  it('revokes and adds started at once lose none of each other', async () => {
    const dataDir = join(workspace.dir, 'data');
    const revokes = ['tenant-0', 'tenant-1', 'tenant-2', 'tenant-3'].map((name) => runCollector(['tenant', 'revoke', name, '--data-dir', dataDir], {}, 60_000));
    const adds = ['late-0', 'late-1', 'late-2', 'late-3'].map((name) =>
      runCollector(['tenant', 'add', name, '--data-dir', dataDir, '--out', join(workspace.dir, name)], {}, 60_000),
    );
    for (const run of await Promise.all([...revokes, ...adds])) assert.equal(run.code, 0, run.stderr);
    const list = await runCollector(['tenant', 'list', '--data-dir', dataDir, '--format', 'json'], {}, 30_000);
    const entries = JSON.parse(list.stdout) as { name: string; revokedAt?: string }[];
    const revoked = entries
      .filter((entry) => entry.revokedAt !== undefined)
      .map((entry) => entry.name)
      .sort();
    assert.deepEqual(revoked, ['tenant-0', 'tenant-1', 'tenant-2', 'tenant-3']);
    assert.equal(entries.length, PARALLEL + 4);
  });
});
