/**
 * Renewal never leaves a destination half-written: kill -9 at random moments, signals mid-cycle,
 * continuous rotation, concurrent first starts, and bad inputs that must fail cleanly.
 */
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, readlink, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { runTbot, spawnTbot } from '../helpers/tbot-process.js';
import { tool } from '../helpers/tools.js';
import { IDENTITY_ARTIFACTS } from '../helpers/identity-artifacts.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const EXPECTED_FILES: Record<string, string[]> = {
  identity: [...IDENTITY_ARTIFACTS, 'known_hosts', 'ssh_config', 'sshcacerts'],
  db: IDENTITY_ARTIFACTS,
  // The cockroach layout is a subdirectory: it must flip with the rest of the set.
  roach: [...IDENTITY_ARTIFACTS, 'cockroach/node.crt', 'cockroach/node.key', 'cockroach/ca.crt', 'cockroach/ca-client.crt'],
  kube: [...IDENTITY_ARTIFACTS, 'kubeconfig.yaml'],
  app: IDENTITY_ARTIFACTS,
};

/** Matches once `count` renewals of the output whose destination ends in `out/<dir>` are logged. */
const renewedTimes = (dir: string, count: number): RegExp => new RegExp(`(renewal cycle complete output="[a-z_/-]+ \\(directory [^)]*/out/${dir}\\)"[\\s\\S]*){${count}}`);

function config(interval: string): string {
  return `version: v2
storage: {type: directory, path: ./data}
credential_ttl: 1h
renewal_interval: ${interval}
outputs:
  - type: identity
    destination: {type: directory, path: ./out/identity}
  - type: database
    service: pg
    destination: {type: directory, path: ./out/db}
  - type: database
    service: roach
    format: cockroach
    destination: {type: directory, path: ./out/roach}
  - type: kubernetes
    kubernetes_cluster: k
    destination: {type: directory, path: ./out/kube}
  - type: application
    app_name: grafana
    destination: {type: directory, path: ./out/app}
`;
}

function sameKey(certPem: string, keyPem: string): boolean {
  const fromCert = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
  return fromCert.equals(fromKey);
}

/** A destination is either absent (never renewed) or one complete, self-consistent generation. */
async function assertCompleteSet(dir: string, kind: string): Promise<'absent' | string> {
  if (!existsSync(join(dir, '..data'))) {
    const visible = existsSync(dir) ? (await readdir(dir)).filter((name) => !name.startsWith('.')) : [];
    for (const name of visible) assert.ok(!existsSync(join(dir, name)), `${dir}/${name} resolves although no generation was ever published`);
    return 'absent';
  }
  const generation = await realpath(join(dir, await readlink(join(dir, '..data'))));
  for (const name of EXPECTED_FILES[kind]!) {
    const target = await realpath(join(dir, name));
    assert.equal(target, join(generation, name), `${dir}/${name} belongs to the published generation`);
  }
  assert.ok(sameKey(await readFile(join(dir, 'tlscert'), 'utf8'), await readFile(join(dir, 'key'), 'utf8')), `${dir}: tlscert and key are a pair`);
  if (kind === 'roach') {
    assert.ok(sameKey(await readFile(join(dir, 'cockroach/node.crt'), 'utf8'), await readFile(join(dir, 'key'), 'utf8')), `${dir}: cockroach/node.crt is for the same key`);
  }
  return generation;
}

describe('renewal safety', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace();
  });
  after(() => workspace.remove());

  it('kill -9 at random moments in a loop: every destination stays a complete set', async () => {
    await workspace.write('fast.yaml', config('30ms'));
    const generations = new Set<string>();
    for (let round = 0; round < 12; round += 1) {
      const agent = spawnTbot(['start', '-c', 'fast.yaml'], { cwd: workspace.dir });
      // Early kills land in CA creation and the first cycle. Later ones wait for a renewal of this
      // run first (so a loaded machine cannot turn every round into a kill before any renewal),
      // then land at a random moment between and inside the next ones.
      if (round < 3) await delay(60 + round * 40);
      else {
        await agent.waitForStderr(/renewal cycle complete/, 30_000);
        await delay(Math.random() * 300);
      }
      agent.child.kill('SIGKILL');
      await agent.result;
      for (const kind of Object.keys(EXPECTED_FILES)) {
        const generation = await assertCompleteSet(join(workspace.dir, 'out', kind), kind);
        if (generation !== 'absent') generations.add(generation);
      }
    }
    assert.ok(generations.size > 4, `renewals did happen between kills (${generations.size} generations seen)`);
    // Whatever was killed, one CA: all current certificates verify against it.
    assert.deepEqual(
      (await readdir(join(workspace.dir, 'data'))).filter((name) => !name.startsWith('.ca-new-')),
      ['ca'],
    );
    assert.match(tool('openssl', ['verify', '-CAfile', join(workspace.dir, 'data/ca/tls-ca.crt'), join(workspace.dir, 'out/db/tlscert')]), /: OK/);
  });

  it('continuous mode rotates the certificates about every second; the old ones stay valid', async () => {
    const dir = await makeWorkspace();
    try {
      await dir.write('tbot.yaml', config('1s'));
      const agent = spawnTbot(['start', '-c', 'tbot.yaml'], { cwd: dir.dir });
      await agent.waitForStderr(renewedTimes('db', 1));
      const first = await readFile(join(dir.dir, 'out/db/tlscert'), 'utf8');
      await agent.waitForStderr(renewedTimes('db', 2));
      const second = await readFile(join(dir.dir, 'out/db/tlscert'), 'utf8');
      agent.child.kill('SIGTERM');
      const run = await agent.result;
      assert.equal(run.code, 0, run.stderr);
      assert.notEqual(second, first);
      const old = new X509Certificate(first);
      assert.ok(new Date(old.validTo).getTime() > Date.now() + 50 * 60_000, 'the replaced certificate is still valid');
      await dir.write('old.pem', first);
      assert.match(tool('openssl', ['verify', '-CAfile', join(dir.dir, 'out/db/tlscacerts'), join(dir.dir, 'old.pem')]), /: OK/);
      for (const kind of Object.keys(EXPECTED_FILES)) await assertCompleteSet(join(dir.dir, 'out', kind), kind);
    } finally {
      await dir.remove();
    }
  });

  it('SIGTERM in the middle of renewals exits 0 and leaves complete sets', async () => {
    const dir = await makeWorkspace();
    try {
      await dir.write('tbot.yaml', config('20ms'));
      const agent = spawnTbot(['start', '-c', 'tbot.yaml'], { cwd: dir.dir });
      for (const kind of Object.keys(EXPECTED_FILES)) await agent.waitForStderr(renewedTimes(kind, 3));
      agent.child.kill('SIGTERM');
      const run = await agent.result;
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /stopped by signal/);
      for (const kind of Object.keys(EXPECTED_FILES)) assert.notEqual(await assertCompleteSet(join(dir.dir, 'out', kind), kind), 'absent');
    } finally {
      await dir.remove();
    }
  });

  it('agents started at once on fresh storage agree on one CA', async () => {
    const dir = await makeWorkspace();
    try {
      const runs = await Promise.all([0, 1, 2, 3].map((n) => runTbot(['start', '--oneshot', '--data-dir', 'data', '--destination-dir', `out${n}`], { cwd: dir.dir })));
      for (const run of runs) assert.equal(run.code, 0, run.stderr);
      assert.equal(runs.filter((run) => /created a new local certificate authority/.test(run.stderr)).length, 1);
      assert.deepEqual(await readdir(join(dir.dir, 'data')), ['ca']);
      for (const n of [0, 1, 2, 3]) assert.match(tool('openssl', ['verify', '-CAfile', join(dir.dir, 'data/ca/tls-ca.crt'), join(dir.dir, `out${n}/tlscert`)]), /: OK/);
    } finally {
      await dir.remove();
    }
  });
});

describe('bad inputs fail cleanly, naming the path', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace();
  });
  after(() => workspace.remove());

  it('a data dir whose parent is missing', async () => {
    const run = await runTbot(['start', '--oneshot', '--data-dir', 'missing-parent/data', '--destination-dir', 'out-missing'], { cwd: workspace.dir });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(`certificate authority ${join(workspace.dir, 'missing-parent/data')}: parent directory ${join(workspace.dir, 'missing-parent')} does not exist`),
    );
    assert.ok(!existsSync(join(workspace.dir, 'out-missing')), 'nothing was written');
  });

  it('a destination under a regular file', async () => {
    await workspace.write('plain-file', 'x');
    const run = await runTbot(['start', '--oneshot', '--destination-dir', 'plain-file/out'], { cwd: workspace.dir });
    assert.equal(run.code, 1);
    assert.ok(
      run.stderr.includes(
        `renewal failed for directory ${join(workspace.dir, 'plain-file/out')}: ${join(workspace.dir, 'plain-file')} is a regular file, not a directory; expected a directory there`,
      ),
      run.stderr,
    );
  });

  it('a corrupt CA file: exit 1 naming the file, and the previous credentials untouched', async () => {
    const ok = await runTbot(['start', '--oneshot', '--data-dir', 'data', '--destination-dir', 'out'], { cwd: workspace.dir });
    assert.equal(ok.code, 0, ok.stderr);
    const before = await readFile(join(workspace.dir, 'out/tlscert'), 'utf8');
    await writeFile(join(workspace.dir, 'data/ca/tls-ca.key'), '-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n');
    const run = await runTbot(['start', '--oneshot', '--data-dir', 'data', '--destination-dir', 'out'], { cwd: workspace.dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`certificate authority ${join(workspace.dir, 'data/ca/tls-ca.key')}: corrupt`));
    assert.equal(await readFile(join(workspace.dir, 'out/tlscert'), 'utf8'), before);
  });
});
