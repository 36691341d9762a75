/**
 * The CA store format stays readable both ways: a CA written by 0.1.0 (checked in under
 * test/fixtures/ca-v0.1.0) still issues credentials that openssl and ssh-keygen accept, and a CA
 * written today has the PEM types and root extensions 0.1.0 wrote and read.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmod, cp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { readChildren, readElement } from '../../src/ca/der.js';
import { CONFIG_DIR, runTbot } from '../helpers/tbot-process.js';
import { tool, x509ExtensionsText, x509Skeleton } from '../helpers/tools.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const FIXTURE_CA = fileURLToPath(new URL('../fixtures/ca-v0.1.0/ca', import.meta.url));
const CA_FILES = ['ssh-host-ca.key', 'ssh-user-ca.key', 'tls-ca.crt', 'tls-ca.key'];
/** The public halves a CA keeps beside its keys since 0.1.0's successors; a 0.1.0 CA gets them on first load. */
const PUBLIC_FILES = ['ssh-host-ca.pub', 'ssh-user-ca.pub', 'tls-ca.pub'];

/** Every output kind, with the CA in ./.tbot-data and outputs under ./.tbot/all-kinds/. */
const CONFIG = join(CONFIG_DIR, 'all-kinds.yaml');
const STORAGE = '.tbot-data';

/** The SHA256 fingerprint of the public half of a PKCS#8 key, as ssh-keygen prints it. */
function sshFingerprint(privateKeyPath: string): string {
  const publicLine = tool('ssh-keygen', ['-y', '-f', privateKeyPath]);
  return tool('ssh-keygen', ['-l', '-f', '-'], publicLine).split(' ')[1]!;
}

describe('a CA written by 0.1.0 (@peculiar/x509 and sshpk) keeps working', () => {
  let workspace: Workspace;
  const out = (...parts: string[]): string => join(workspace.dir, '.tbot', 'all-kinds', ...parts);
  const fixture = (name: string): string => join(workspace.dir, STORAGE, 'ca', name);

  before(async () => {
    workspace = await makeWorkspace();
    // Git does not keep modes; the agent's own CA directory is 0700 with 0600 files.
    await cp(FIXTURE_CA, join(workspace.dir, STORAGE, 'ca'), { recursive: true });
    await chmod(join(workspace.dir, STORAGE), 0o700);
    await chmod(join(workspace.dir, STORAGE, 'ca'), 0o700);
    for (const name of CA_FILES) await chmod(fixture(name), 0o600);
    const run = await runTbot(['start', '-c', CONFIG], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /using the local certificate authority/);
  });
  after(() => workspace.remove());

  it('the CA files are untouched, and outputs hand out the fixture root', async () => {
    for (const name of CA_FILES) assert.equal(await readFile(fixture(name), 'utf8'), await readFile(join(FIXTURE_CA, name), 'utf8'), name);
    assert.equal(await readFile(out('identity', 'tlscacerts'), 'utf8'), await readFile(join(FIXTURE_CA, 'tls-ca.crt'), 'utf8'));
  });

  it("the first load stored the keys' public halves, as ssh-keygen and openssl derive them, and a later run checks them", async () => {
    assert.deepEqual((await readdir(join(workspace.dir, STORAGE, 'ca'))).sort(), [...CA_FILES, ...PUBLIC_FILES].sort());
    for (const kind of ['user', 'host']) {
      const stored = (await readFile(fixture(`ssh-${kind}-ca.pub`), 'utf8')).split(' ').slice(0, 2).join(' ');
      assert.equal(
        stored,
        tool('ssh-keygen', ['-y', '-f', fixture(`ssh-${kind}-ca.key`)])
          .trim()
          .split(' ')
          .slice(0, 2)
          .join(' '),
        kind,
      );
    }
    assert.equal(await readFile(fixture('tls-ca.pub'), 'utf8'), tool('openssl', ['pkey', '-pubout', '-in', fixture('tls-ca.key')]));
    const again = await runTbot(['start', '-c', CONFIG], { cwd: workspace.dir });
    assert.equal(again.code, 0, again.stderr);
    // A valid key, but another one, in place of the fixture's host CA key.
    await cp(fixture('ssh-user-ca.key'), fixture('ssh-host-ca.key'));
    const replaced = await runTbot(['start', '-c', CONFIG], { cwd: workspace.dir });
    await cp(join(FIXTURE_CA, 'ssh-host-ca.key'), fixture('ssh-host-ca.key'));
    await chmod(fixture('ssh-host-ca.key'), 0o600);
    assert.equal(replaced.code, 1, replaced.stderr);
    assert.match(replaced.stderr, /ssh-host-ca\.key: is not the key whose public half is stored in \S+ssh-host-ca\.pub: the SSH host CA key was replaced/);
  });

  it('every X.509 output verifies against the fixture root', () => {
    for (const file of [out('identity', 'tlscert'), out('db', 'tlscert'), out('app', 'tlscert'), out('svid', 'svid.pem')]) {
      assert.match(tool('openssl', ['verify', '-CAfile', join(FIXTURE_CA, 'tls-ca.crt'), file]), /: OK/, file);
    }
  });

  it('leaves name the fixture root as issuer, byte for byte, with its key identifier', async () => {
    const root = new X509Certificate(await readFile(join(FIXTURE_CA, 'tls-ca.crt')));
    const leaf = new X509Certificate(await readFile(out('db', 'tlscert')));
    // TBSCertificate fields: [0] version, serial, signature, issuer, validity, subject, …
    const leafIssuer = readChildren(readChildren(readElement(leaf.raw))[0]!)[3]!.encoded;
    const rootSubject = readChildren(readChildren(readElement(root.raw))[0]!)[5]!.encoded;
    assert.equal(leafIssuer.toString('hex'), rootSubject.toString('hex'));
    const ski = tool('openssl', ['x509', '-noout', '-ext', 'subjectKeyIdentifier', '-in', join(FIXTURE_CA, 'tls-ca.crt')])
      .split('\n')[1]!
      .trim();
    assert.match(tool('openssl', ['x509', '-noout', '-ext', 'authorityKeyIdentifier', '-in', out('db', 'tlscert')]), new RegExp(ski));
  });

  it("the SSH certificates are signed by the fixture's user and host CA keys", () => {
    assert.match(
      tool('ssh-keygen', ['-L', '-f', out('identity', 'key-cert.pub')]),
      new RegExp(`user certificate[\\s\\S]*Signing CA: ECDSA ${sshFingerprint(fixture('ssh-user-ca.key')).replace(/[+/]/g, '\\$&')} `),
    );
    assert.match(
      tool('ssh-keygen', ['-L', '-f', out('ssh-host', 'ssh_host-cert.pub')]),
      new RegExp(`host certificate[\\s\\S]*Signing CA: ECDSA ${sshFingerprint(fixture('ssh-host-ca.key')).replace(/[+/]/g, '\\$&')} `),
    );
  });
});

describe('a CA written today is in the format 0.1.0 reads', () => {
  let workspace: Workspace;
  const ca = (name: string): string => join(workspace.dir, STORAGE, 'ca', name);

  before(async () => {
    workspace = await makeWorkspace();
    const run = await runTbot(['start', '-c', CONFIG], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
  });
  after(() => workspace.remove());

  it("the same four files, plus the keys' public halves", async () =>
    assert.deepEqual((await readdir(join(workspace.dir, STORAGE, 'ca'))).sort(), [...CA_FILES, ...PUBLIC_FILES].sort()));

  it('keys are PKCS#8 PEM ("BEGIN PRIVATE KEY"), ECDSA P-256', async () => {
    for (const name of ['tls-ca.key', 'ssh-user-ca.key', 'ssh-host-ca.key']) {
      assert.match(await readFile(ca(name), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/, name);
      assert.match(tool('openssl', ['pkey', '-noout', '-text', '-in', ca(name)]), /ASN1 OID: prime256v1/, name);
    }
  });

  it("the root has the structure and extensions of the 0.1.0 root, in openssl's reading", async () => {
    const root = await readFile(ca('tls-ca.crt'), 'utf8');
    const old = await readFile(join(FIXTURE_CA, 'tls-ca.crt'), 'utf8');
    assert.match(root, /^-----BEGIN CERTIFICATE-----\n/);
    assert.equal(x509Skeleton(root), x509Skeleton(old));
    assert.equal(x509ExtensionsText(root), x509ExtensionsText(old));
    assert.match(tool('openssl', ['x509', '-noout', '-subject', '-in', ca('tls-ca.crt')]), /subject=CN = tbot local CA/);
  });
});

describe("a CA whose TLS key is not the root's key", () => {
  it('exits 1 naming tls-ca.key, before writing anything', async () => {
    const workspace = await makeWorkspace();
    try {
      await cp(FIXTURE_CA, join(workspace.dir, STORAGE, 'ca'), { recursive: true });
      // A valid P-256 key, but the wrong one: leaves signed with it would verify nowhere.
      await cp(join(FIXTURE_CA, 'ssh-user-ca.key'), join(workspace.dir, STORAGE, 'ca', 'tls-ca.key'));
      // git keeps no 0600 modes, and an open key file is refused before the key is even compared.
      for (const name of CA_FILES) await chmod(join(workspace.dir, STORAGE, 'ca', name), 0o600);
      const run = await runTbot(['start', '-c', CONFIG], { cwd: workspace.dir });
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(
          `certificate authority ${join(workspace.dir, STORAGE, 'ca', 'tls-ca.key')}: does not belong to the certificate ${join(workspace.dir, STORAGE, 'ca', 'tls-ca.crt')}`,
        ),
      );
      assert.deepEqual(await readdir(workspace.dir), [STORAGE], 'no output directory was created');
    } finally {
      await workspace.remove();
    }
  });
});
