/**
 * The local CA in storage is checked on every start: a key that does not belong to its
 * certificate, an SSH CA key that is not a sound P-256 key, or a key file others can read stops
 * the run with exit 1, naming the file and the fix, before any credential is written. Temp
 * directories a killed creation left are cleared, and nothing else is.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lutimes, mkdir, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTbot } from '../helpers/tbot-process.js';
import { tool } from '../helpers/tools.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const KEY_FILES = ['tls-ca.key', 'ssh-user-ca.key', 'ssh-host-ca.key'];

/** A PKCS#8 P-256 key whose embedded public half belongs to another key: it loads, but cannot sign for itself. */
function mismatchedHalvesPem(): string {
  const [a, b] = [generateKeyPairSync('ec', { namedCurve: 'P-256' }), generateKeyPairSync('ec', { namedCurve: 'P-256' })];
  const own = a.privateKey.export({ format: 'jwk' });
  const { x, y } = b.publicKey.export({ format: 'jwk' });
  assert.ok(x !== undefined && y !== undefined);
  return createPrivateKey({ key: { ...own, x, y }, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }) as string;
}

describe('the local CA is checked before it is used', () => {
  let workspace: Workspace;
  let ca: string;
  const originals = new Map<string, string>();
  const run = () => runTbot(['start', '--oneshot', '--data-dir', 'data', '--destination-dir', 'out'], { cwd: workspace.dir, timeoutMs: 20_000 });

  before(async () => {
    workspace = await makeWorkspace();
    const first = await run();
    assert.equal(first.code, 0, first.stderr);
    ca = join(workspace.dir, 'data', 'ca');
    for (const name of [...KEY_FILES, 'tls-ca.crt']) originals.set(name, await readFile(join(ca, name), 'utf8'));
  });
  after(() => workspace.remove());

  /** Each case damages the CA, checks the run, then puts the CA back and removes the output. */
  async function expectRefusal(damage: () => Promise<void>, file: string, message: RegExp): Promise<void> {
    await rm(join(workspace.dir, 'out'), { recursive: true, force: true });
    await damage();
    try {
      const refused = await run();
      assert.equal(refused.code, 1, refused.stderr);
      assert.ok(refused.stderr.includes(`certificate authority ${join(ca, file)}: `), refused.stderr);
      assert.match(refused.stderr, message);
      assert.ok(!existsSync(join(workspace.dir, 'out', 'tlscert')), 'no credential was written');
    } finally {
      for (const [name, pem] of originals) {
        await writeFile(join(ca, name), pem, { mode: 0o600 });
        await chmod(join(ca, name), 0o600);
      }
    }
    const restored = await run();
    assert.equal(restored.code, 0, restored.stderr);
  }

  it('a TLS CA key that does not belong to the certificate (openssl would reject what it signs)', async () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await expectRefusal(
      () => writeFile(join(ca, 'tls-ca.key'), otherKey),
      'tls-ca.key',
      /does not belong to the certificate .*tls-ca\.crt \(their public keys differ\).*put back the key that belongs to this certificate, or see "Rotating the CA" in docs\/outputs\.md/,
    );
  });

  it('a TLS CA key whose halves do not belong together', async () => {
    await expectRefusal(() => writeFile(join(ca, 'tls-ca.key'), mismatchedHalvesPem()), 'tls-ca.key', /is damaged: its private and public halves do not belong together/);
  });

  it('an SSH user CA key whose halves do not belong together', async () => {
    await expectRefusal(() => writeFile(join(ca, 'ssh-user-ca.key'), mismatchedHalvesPem()), 'ssh-user-ca.key', /is damaged/);
  });

  it('an SSH host CA key on another curve', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await expectRefusal(() => writeFile(join(ca, 'ssh-host-ca.key'), p384), 'ssh-host-ca.key', /is not an ECDSA P-256 private key/);
  });

  for (const kind of ['host', 'user'] as const) {
    it(`an SSH ${kind} CA key replaced by another valid P-256 key: caught by its stored public half`, async () => {
      const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      await expectRefusal(
        () => writeFile(join(ca, `ssh-${kind}-ca.key`), otherKey),
        `ssh-${kind}-ca.key`,
        new RegExp(
          `is not the key whose public half is stored in ${join(ca, `ssh-${kind}-ca.pub`)}: the SSH ${kind} CA key was replaced, .*put back the original key, or see "Rotating the CA" in docs/outputs.md`,
        ),
      );
    });
  }

  it('the TLS root and its key replaced together by another valid pair: caught by tls-ca.pub', async () => {
    const other = join(workspace.dir, 'other');
    const made = await runTbot(['start', '--oneshot', '--data-dir', 'other', '--destination-dir', 'other-out'], { cwd: workspace.dir, timeoutMs: 20_000 });
    assert.equal(made.code, 0, made.stderr);
    await expectRefusal(
      async () => {
        await writeFile(join(ca, 'tls-ca.key'), await readFile(join(other, 'ca', 'tls-ca.key'), 'utf8'));
        await writeFile(join(ca, 'tls-ca.crt'), await readFile(join(other, 'ca', 'tls-ca.crt'), 'utf8'));
      },
      'tls-ca.key',
      /the TLS CA key was replaced/,
    );
  });

  for (const [name, mode] of [
    ['tls-ca.key', 0o644],
    ['ssh-user-ca.key', 0o640],
    ['ssh-host-ca.key', 0o604],
  ] as const) {
    it(`${name} readable by ${mode & 0o070 ? 'group' : 'others'} (mode ${mode.toString(8)}): refused with "chmod 600"`, async () => {
      // Tests run as root, whom permissions do not stop, so this is about the mode bits alone.
      await expectRefusal(
        () => chmod(join(ca, name), mode),
        name,
        new RegExp(`permissions 0${mode.toString(8)} are too open: a CA private key must be readable by its owner only; run "chmod 600 ${join(ca, name)}"`),
      );
    });
  }

  it('the certificate itself may be world-readable', async () => {
    await chmod(join(ca, 'tls-ca.crt'), 0o644);
    const ok = await run();
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(tool('openssl', ['verify', '-CAfile', join(ca, 'tls-ca.crt'), join(workspace.dir, 'out', 'tlscert')]), /: OK/);
  });
});

describe('temp directories of a killed CA creation', () => {
  it('stale ones are removed; fresh ones (a creation under way), symlinks and other names are left alone', async () => {
    const workspace = await makeWorkspace();
    try {
      const data = join(workspace.dir, 'data');
      await mkdir(data, { mode: 0o700 });
      const anHourAgo = new Date(Date.now() - 3_600_000);
      const plant = async (name: string): Promise<string> => {
        await mkdir(join(data, name));
        await writeFile(join(data, name, 'tls-ca.key'), 'half-written');
        await utimes(join(data, name), anHourAgo, anHourAgo);
        return name;
      };
      const stale = await plant('.ca-new-AbC123');
      const otherName = await plant('.ca-new-backup-2024');
      const fresh = '.ca-new-Fr3sh0';
      await mkdir(join(data, fresh));
      const target = join(workspace.dir, 'target');
      await mkdir(target);
      await writeFile(join(target, 'keep'), 'x');
      await symlink(target, join(data, '.ca-new-L1nk00'));
      await lutimes(join(data, '.ca-new-L1nk00'), anHourAgo, anHourAgo);

      const run = await runTbot(['start', '--oneshot', '--data-dir', 'data', '--destination-dir', 'out'], { cwd: workspace.dir, timeoutMs: 20_000 });
      assert.equal(run.code, 0, run.stderr);
      const left = await readdir(data);
      assert.ok(!left.includes(stale), 'the stale temp directory is gone');
      for (const name of [otherName, fresh, '.ca-new-L1nk00', 'ca']) assert.ok(left.includes(name), `${name} is still there: ${left.join(' ')}`);
      assert.deepEqual(await readdir(target), ['keep']);
    } finally {
      await workspace.remove();
    }
  });
});
