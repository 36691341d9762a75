/**
 * `tbot keypair create`: an Ed25519 keypair in the bot's storage, in tbot's files (id_bkp,
 * id_bkp.pub, bkp_key_history.json), checked with ssh-keygen and openssl; kept and printed again
 * on a second run, replaced with --overwrite; --static keeps the key out of the storage.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runTbot } from '../helpers/tbot-process.js';
import { tool } from '../helpers/tools.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const PROXY = ['--proxy-server', 'example.teleport.sh:443'];
const PRINTED =
  /\nTo register this keypair with Teleport, put this public key in the join token's\n`spec\.bound_keypair\.onboarding\.initial_public_key`:\n\n\t(ssh-ed25519 [A-Za-z0-9+/=]+)\n\n$/;

/** The raw 32-byte Ed25519 key of an `ssh-ed25519` line (its wire blob: string type, string key). */
function rawFromSshLine(line: string): Buffer {
  const blob = Buffer.from(line.split(' ')[1] as string, 'base64');
  const typeLength = blob.readUInt32BE(0);
  assert.equal(blob.subarray(4, 4 + typeLength).toString(), 'ssh-ed25519');
  return blob.subarray(8 + typeLength);
}

describe('tbot keypair create', { concurrency: false }, () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-keypair-');
  });
  after(() => workspace.remove());
  const storage = (): string => join(workspace.dir, 'storage');

  let first: string;
  it('writes id_bkp (PKCS#8), id_bkp.pub and the key history, 0600, and prints the public key', async () => {
    const run = await runTbot(['keypair', 'create', '--storage', `file://${storage()}`, ...PROXY], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    const printed = PRINTED.exec(run.stdout);
    assert.ok(printed, run.stdout);
    first = printed[1] as string;
    assert.match(run.stderr, /INFO {2}keypair has been written to storage storage=\S+\/storage\n/);

    const pub = await readFile(join(storage(), 'id_bkp.pub'), 'utf8');
    assert.equal(pub, `${first}\n`);
    assert.match(tool('ssh-keygen', ['-l', '-f', join(storage(), 'id_bkp.pub')]), /^256 SHA256:\S+ .*\(ED25519\)\n$/);
    const pem = await readFile(join(storage(), 'id_bkp'), 'utf8');
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(tool('openssl', ['pkey', '-in', join(storage(), 'id_bkp'), '-noout', '-text']), /^ED25519 Private-Key:/);
    const history = JSON.parse(await readFile(join(storage(), 'bkp_key_history.json'), 'utf8')) as { entries: { time: string; private_key: string }[] };
    assert.equal(history.entries.length, 1);
    assert.equal(history.entries[0]?.private_key, pem);
    assert.ok(!Number.isNaN(Date.parse(history.entries[0]?.time ?? '')));
    for (const name of ['id_bkp', 'id_bkp.pub', 'bkp_key_history.json']) assert.equal((await stat(join(storage(), name))).mode & 0o777, 0o600, name);
  });

  it('the private key and the printed public key are one pair (openssl against the SSH line)', async () => {
    const publicPem = tool('openssl', ['pkey', '-in', join(storage(), 'id_bkp'), '-pubout']);
    const body = Buffer.from(publicPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    assert.deepEqual(body.subarray(body.length - 32), rawFromSshLine(first));
  });

  it('a second run keeps the keypair and prints the same key; --format json prints {"public_key"}', async () => {
    const again = await runTbot(['keypair', 'create', '--storage', storage(), ...PROXY, '--format', 'json'], { cwd: workspace.dir });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { public_key: first });
    assert.match(again.stderr, /existing keypair found in the storage, printing its public key; to generate a new key, pass --overwrite/);
  });

  it('--overwrite replaces it with a new keypair, with a warning', async () => {
    const run = await runTbot(['keypair', 'create', '--storage', storage(), ...PROXY, '--overwrite'], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    const second = PRINTED.exec(run.stdout)?.[1];
    assert.ok(second !== undefined && second !== first);
    assert.match(run.stderr, /WARN {2}overwriting the keypair in the storage with a new one/);
    assert.equal(await readFile(join(storage(), 'id_bkp.pub'), 'utf8'), `${second}\n`);
  });

  it('an id_bkp it cannot read is not replaced without --overwrite', async () => {
    await mkdir(join(workspace.dir, 'odd'));
    await workspace.write('odd/id_bkp', 'not a key');
    const run = await runTbot(['keypair', 'create', '--storage', './odd', ...PROXY], { cwd: workspace.dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /odd\/id_bkp is not an Ed25519 private key this agent can read; pass --overwrite to replace it/);
    assert.equal(await readFile(join(workspace.dir, 'odd', 'id_bkp'), 'utf8'), 'not a key');
  });

  it('--static prints a private key (that openssl reads) and its public key; the storage is not needed', async () => {
    const run = await runTbot(['keypair', 'create', '--static', ...PROXY], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    const pem = /^-----BEGIN PRIVATE KEY-----\n[\s\S]+?-----END PRIVATE KEY-----\n/.exec(run.stdout)?.[0];
    assert.ok(pem, run.stdout);
    assert.match(tool('openssl', ['pkey', '-noout', '-text'], pem), /^ED25519 Private-Key:/);
    const line = PRINTED.exec(run.stdout)?.[1] as string;
    const publicPem = tool('openssl', ['pkey', '-pubout'], pem);
    const body = Buffer.from(publicPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    assert.deepEqual(body.subarray(body.length - 32), rawFromSshLine(line));
  });

  it('--static --static-key-path writes it (0600) and will not replace a file without --overwrite', async () => {
    const run = await runTbot(['keypair', 'create', '--static', '--static-key-path', 'static.pem', ...PROXY], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /PRIVATE KEY/);
    assert.equal((await stat(join(workspace.dir, 'static.pem'))).mode & 0o777, 0o600);
    const again = await runTbot(['keypair', 'create', '--static', '--static-key-path', 'static.pem', ...PROXY], { cwd: workspace.dir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /static\.pem already exists; pass --overwrite to replace it/);
  });

  it('--proxy-server is required; --storage is, unless --static: usage errors, exit 2', async () => {
    const noProxy = await runTbot(['keypair', 'create', '--storage', storage()]);
    assert.equal(noProxy.code, 2);
    assert.match(noProxy.stderr, /--proxy-server/);
    const noStorage = await runTbot(['keypair', 'create', ...PROXY]);
    assert.equal(noStorage.code, 2);
    assert.match(noStorage.stderr, /--storage is required \(or --static/);
  });
});
