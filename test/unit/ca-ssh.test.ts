/** OpenSSH keys and certificates from the SSH wire writer, compared byte for byte with `ssh-keygen -s` and read by `ssh-keygen -L`. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmod, copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { generateP256KeyPair, openSshPublicKey, privateKeyPem, type KeyPair } from '../../src/ca/keys.js';
import { encodeSshCertificateBody, signSshCertificate, sshCertificateLine, type SshCertificateFields } from '../../src/ca/ssh-certificate.js';
import { createSshIssuer, issueSshCertificate, type SshIssuer } from '../../src/ca/ssh-issuer.js';
import { mpint, sshSignatureBlob, sshString } from '../../src/ca/ssh-wire.js';
import { cleanEnv } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const FIXTURE_USER_CA = fileURLToPath(new URL('../fixtures/ca-v0.1.0/ca/ssh-user-ca.key', import.meta.url));

/** ssh-keygen in UTC, so validity times print and parse without a local zone. */
function sshKeygen(args: readonly string[], cwd?: string): string {
  return execFileSync('ssh-keygen', args, { cwd, encoding: 'utf8', env: cleanEnv({ TZ: 'UTC' }), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ssh-keygen -L` without its first line (the file name). */
function listing(path: string): string {
  return sshKeygen(['-L', '-f', path]).split('\n').slice(1).join('\n');
}

const blobOf = (line: string): Buffer => Buffer.from(line.trim().split(' ')[1]!, 'base64');

describe('SSH wire primitives', () => {
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
  it('string: uint32 length, then the bytes', () => assert.equal(hex(sshString('ab')), '000000026162'));
  it('mpint: zero is empty, leading zeros go, a set high bit gets one zero octet', () => {
    assert.equal(hex(mpint(Buffer.from('00', 'hex'))), '00000000');
    assert.equal(hex(mpint(Buffer.from('000001', 'hex'))), '0000000101');
    assert.equal(hex(mpint(Buffer.from('80', 'hex'))), '000000020080');
    assert.equal(hex(mpint(Buffer.from('7f', 'hex'))), '000000017f');
  });
  it('the signature blob needs a raw 64-byte r‖s', () => assert.throws(() => sshSignatureBlob(Buffer.alloc(70)), RangeError));
});

describe('OpenSSH certificates written with the wire writer', () => {
  let workspace: Workspace;
  let user: KeyPair;
  let ca: SshIssuer;
  let caFile: string;
  const write = async (name: string, line: string): Promise<string> => workspace.write(name, line);

  before(async () => {
    workspace = await makeWorkspace();
    user = await generateP256KeyPair();
    caFile = join(workspace.dir, 'ca');
    await copyFile(FIXTURE_USER_CA, caFile);
    await chmod(caFile, 0o600);
    ca = createSshIssuer(createPrivateKey(await readFile(caFile, 'utf8')));
    await write('user.pub', openSshPublicKey(user.publicKey, 'someone'));
  });
  after(() => workspace.remove());

  it('public keys: the line ssh-keygen derives from the private key', async () => {
    const keyFile = await write('user.key', privateKeyPem(user.privateKey));
    await chmod(keyFile, 0o600);
    assert.equal(openSshPublicKey(user.publicKey, 'c').split(' ').slice(0, 2).join(' '), sshKeygen(['-y', '-f', keyFile]).trim());
  });

  it('byte for byte what `ssh-keygen -s` signs, with option values, flags and several principals', async () => {
    sshKeygen(
      [
        '-s',
        caFile,
        '-I',
        'key id ü',
        '-n',
        'p1,p2',
        '-z',
        '42',
        '-V',
        '20300101000000:20300102000000',
        '-O',
        'clear',
        '-O',
        'extension:permit-pty',
        '-O',
        'extension:login@github.com=alice',
        '-O',
        'force-command=/bin/true',
        '-O',
        'source-address=127.0.0.1/32',
        '-O',
        'verify-required',
        'user.pub',
      ],
      workspace.dir,
    );
    const theirs = blobOf(await readFile(join(workspace.dir, 'user-cert.pub'), 'utf8'));
    // Take their nonce (the second string), so the signed parts can be compared exactly.
    const typeLength = theirs.readUInt32BE(0);
    const nonce = theirs.subarray(8 + typeLength, 8 + typeLength + theirs.readUInt32BE(4 + typeLength));
    const fields: SshCertificateFields = {
      nonce,
      publicKey: user.publicKey,
      serial: 42n,
      kind: 'user',
      keyId: 'key id ü',
      principals: ['p1', 'p2'],
      validAfter: new Date('2030-01-01T00:00:00Z'),
      validBefore: new Date('2030-01-02T00:00:00Z'),
      // Given out of order on purpose: the encoding sorts them.
      criticalOptions: { 'verify-required': '', 'source-address': '127.0.0.1/32', 'force-command': '/bin/true' },
      extensions: { 'permit-pty': '', 'login@github.com': 'alice' },
    };
    const body = encodeSshCertificateBody(fields, ca.publicKey);
    assert.equal(body.toString('hex'), theirs.subarray(0, body.length).toString('hex'));

    const ours = await write('ours-cert.pub', sshCertificateLine(signSshCertificate(body, ca.key)));
    assert.equal(listing(ours), listing(join(workspace.dir, 'user-cert.pub')));
    assert.match(
      listing(ours),
      /Critical Options: \n\s+force-command \/bin\/true\n\s+source-address 127\.0\.0\.1\/32\n\s+verify-required\n\s+Extensions: \n\s+login@github\.com UNKNOWN OPTION: 00000005616c696365 \(len 9\)\n\s+permit-pty\n/,
    );
  });

  it('a user certificate without explicit extensions gets the permit-* set of `ssh-keygen -s`', async () => {
    const line = issueSshCertificate(
      ca,
      {
        publicKey: user.publicKey,
        kind: 'user',
        keyId: 'tbot-identity',
        principals: ['tbot'],
        notBefore: new Date('2026-01-01T00:00:00.900Z'),
        notAfter: new Date('2026-01-01T01:00:00Z'),
      },
      Buffer.alloc(32, 1),
      7n,
    );
    const text = listing(await write('default-cert.pub', line));
    assert.match(text, /Type: ecdsa-sha2-nistp256-cert-v01@openssh\.com user certificate/);
    assert.match(
      text,
      /Key ID: "tbot-identity"\n\s+Serial: 7\n\s+Valid: from 2026-01-01T00:00:00 to 2026-01-01T01:00:00\n\s+Principals: \n\s+tbot\n\s+Critical Options: \(none\)\n\s+Extensions: \n\s+permit-X11-forwarding\n\s+permit-agent-forwarding\n\s+permit-port-forwarding\n\s+permit-pty\n\s+permit-user-rc\n/,
    );
    const fingerprint = sshKeygen(['-l', '-f', await write('ca.pub', openSshPublicKey(ca.publicKey, 'ca'))]).split(' ')[1]!;
    assert.match(text, new RegExp(`Signing CA: ECDSA ${fingerprint.replace(/[+/]/g, '\\$&')} \\(using ecdsa-sha2-nistp256\\)`));
  });

  it('a host certificate carries no extensions unless asked; the largest 64-bit serial survives', async () => {
    const host = await generateP256KeyPair();
    const line = issueSshCertificate(
      ca,
      {
        publicKey: host.publicKey,
        kind: 'host',
        keyId: 'tbot-host-node1',
        principals: ['node1.example.test', 'node1'],
        notBefore: new Date('2026-01-01T00:00:00Z'),
        notAfter: new Date('2026-01-01T01:00:00Z'),
      },
      Buffer.alloc(32, 2),
      2n ** 64n - 1n,
    );
    const text = listing(await write('host-cert.pub', line));
    assert.match(
      text,
      /host certificate[\s\S]*Serial: 18446744073709551615\n[\s\S]*Principals: \n\s+node1\.example\.test\n\s+node1\n\s+Critical Options: \(none\)\n\s+Extensions: \(none\)/,
    );
    assert.throws(
      () =>
        issueSshCertificate(
          ca,
          { publicKey: host.publicKey, kind: 'host', keyId: 'x', principals: [], notBefore: new Date(0), notAfter: new Date(1000) },
          Buffer.alloc(32),
          2n ** 64n,
        ),
      /64 bits/,
    );
  });

  it('ssh-keygen checks the CA signature: one changed byte and the certificate is refused', async () => {
    const blob = blobOf(
      issueSshCertificate(
        ca,
        { publicKey: user.publicKey, kind: 'user', keyId: 'k', principals: ['tbot'], notBefore: new Date(0), notAfter: new Date(3_600_000) },
        Buffer.alloc(32, 3),
        1n,
      ),
    );
    blob[blob.length - 5]! ^= 0x01;
    const tampered = await write('tampered-cert.pub', `ecdsa-sha2-nistp256-cert-v01@openssh.com ${blob.toString('base64')}\n`);
    assert.throws(() => listing(tampered), /incorrect signature/);
  });

  it('only ECDSA P-256 subject keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    assert.throws(
      () => issueSshCertificate(ca, { publicKey: rsa, kind: 'user', keyId: 'k', principals: [], notBefore: new Date(0), notAfter: new Date(1000) }, Buffer.alloc(32), 1n),
      /P-256/,
    );
  });
});
