/** X.509 roots and leaves from the DER writer, judged by openssl (verify, x509 -text, asn1parse) and node's X509Certificate. */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { TlsCertificateRequest } from '../../src/ca/credential-source.js';
import { utf8String } from '../../src/ca/der.js';
import { generateP256KeyPair, type KeyPair } from '../../src/ca/keys.js';
import { ipAddressBytes } from '../../src/net/ip-address.js';
import { readIssuerFields } from '../../src/ca/x509-certificate.js';
import { createLeafIssuer, createRootCertificate, issueLeafCertificate, type LeafIssuer } from '../../src/ca/x509-issuer.js';
import { asn1parse, tool, x509ExtensionsText as extensionsText, x509Skeleton as skeleton } from '../helpers/tools.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const FIXTURE_ROOT = fileURLToPath(new URL('../fixtures/ca-v0.1.0/ca/tls-ca.crt', import.meta.url));
const NOW = new Date('2026-06-01T12:00:00.250Z');
const HOUR = 3_600_000;
const SERIAL = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

describe('X.509 certificates written with the DER writer', () => {
  let workspace: Workspace;
  let rootKeys: KeyPair;
  let rootPem: string;
  let rootFile: string;
  let issuer: LeafIssuer;
  let leafKeys: KeyPair;
  const leaf = (request: Partial<TlsCertificateRequest>, serial: Uint8Array = SERIAL): string =>
    issueLeafCertificate(
      issuer,
      { publicKey: leafKeys.publicKey, subject: [['CN', 'tbot']], usage: 'client', notBefore: NOW, notAfter: new Date(NOW.getTime() + HOUR), ...request },
      serial,
    );
  const verify = async (pem: string): Promise<string> =>
    tool('openssl', ['verify', '-attime', String(Math.floor(NOW.getTime() / 1000) + 60), '-CAfile', rootFile, await workspace.write(`leaf-${Math.random()}.pem`, pem)]);

  before(async () => {
    workspace = await makeWorkspace();
    [rootKeys, leafKeys] = await Promise.all([generateP256KeyPair(), generateP256KeyPair()]);
    rootPem = createRootCertificate(rootKeys, 'tbot local CA', new Date(NOW.getTime() - 60_000), new Date(NOW.getTime() + 10 * 365 * 24 * HOUR), SERIAL);
    rootFile = await workspace.write('root.pem', rootPem);
    issuer = createLeafIssuer(rootPem, rootKeys.privateKey);
  });
  after(() => workspace.remove());

  it('the root has the same structure and extensions as the root 0.1.0 wrote (@peculiar/x509)', async () => {
    const fixture = await readFile(FIXTURE_ROOT, 'utf8');
    assert.equal(skeleton(rootPem), skeleton(fixture));
    assert.equal(extensionsText(rootPem), extensionsText(fixture));
    assert.match(
      extensionsText(rootPem),
      /Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n\s+X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n\s+X509v3 Subject Key Identifier/,
    );
    assert.match(tool('openssl', ['verify', '-CAfile', rootFile, rootFile]), /: OK/);
  });

  it("the root's key identifier is SHA-1 of its public point (RFC 5280 method 1), as before", () => {
    const point = rootKeys.publicKey.export({ type: 'spki', format: 'der' }).subarray(-65);
    const expected = createHash('sha1').update(point).digest('hex').toUpperCase().match(/../g)!.join(':');
    assert.match(tool('openssl', ['x509', '-noout', '-ext', 'subjectKeyIdentifier'], rootPem), new RegExp(expected));
  });

  it('a leaf has the same structure and extensions as a 0.1.0 leaf, and verifies', async () => {
    const pem = leaf({
      subject: [
        ['CN', 'reporter'],
        ['OU', 'pg-main'],
      ],
      uris: ['db://pg-main/orders'],
    });
    assert.match(await verify(pem), /: OK/);
    const text = extensionsText(pem);
    assert.match(
      text,
      /Basic Constraints: critical\n\s+CA:FALSE\n\s+X509v3 Key Usage: critical\n\s+Digital Signature\n\s+X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication\n\s+X509v3 Authority Key Identifier: \n\s+<key id>\n\s+X509v3 Subject Alternative Name: \n\s+URI:db:\/\/pg-main\/orders/,
    );
    const cert = new X509Certificate(pem);
    assert.equal(cert.subject, 'CN=reporter\nOU=pg-main');
    assert.ok(cert.checkIssued(new X509Certificate(rootPem)) && cert.verify(rootKeys.publicKey));
    assert.ok(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(leafKeys.publicKey.export({ type: 'spki', format: 'der' })));
  });

  it('subject attributes Teleport uses: repeated O and L, OU, ST, C, street, postalCode, and a private OID', async () => {
    const pem = leaf({
      subject: [
        ['CN', 'bot-ci'],
        ['O', 'access'],
        ['O', 'editor'],
        ['OU', 'usage:kube'],
        ['L', 'root'],
        ['L', 'ubuntu'],
        ['ST', 'kube-user'],
        ['C', 'NL'],
        ['street', 'leaf.example.com'],
        ['postalCode', '{"logins":["root"]}'],
        [{ oid: '1.3.9999.1.7' }, 'true'],
      ],
    });
    assert.match(await verify(pem), /: OK/);
    assert.equal(
      tool('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], pem).trim(),
      // RFC 2253 prints the RDNs last first.
      'subject=1.3.9999.1.7=#130474727565,postalCode={\\"logins\\":[\\"root\\"]},street=leaf.example.com,C=NL,ST=kube-user,L=ubuntu,L=root,OU=usage:kube,O=editor,O=access,CN=bot-ci',
    );
    const parsed = asn1parse(new X509Certificate(pem).raw);
    assert.match(parsed, /UTF8STRING\s+:\{"logins":\["root"\]\}/); // JSON is not printable: UTF8String
    assert.match(parsed, /PRINTABLESTRING\s+:NL/);
  });

  it('non-ASCII names are UTF8String and survive the round trip', () => {
    const pem = leaf({
      subject: [
        ['CN', 'Zoë Ünïcode'],
        ['O', '日本'],
      ],
    });
    assert.equal(new X509Certificate(pem).subject, 'CN=Zoë Ünïcode\nO=日本');
  });

  it('a two-letter C only', () => assert.throws(() => leaf({ subject: [['C', 'NLD']] }), /two-letter country code/));

  it("DNS, IPv4 and IPv6 SANs, in openssl's reading", async () => {
    const pem = leaf({
      dnsNames: ['node1.example.test', '*.apps.example.test'],
      ipAddresses: ['192.0.2.10', '2001:db8::1', '::ffff:192.0.2.1', '::', 'fe80::1:2:3:4:5', '1:2:3:4:5:6:7:8'],
      uris: ['spiffe://example.test/svc'],
      usage: 'server',
    });
    assert.match(await verify(pem), /: OK/);
    assert.equal(
      tool('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], pem).split('\n')[1]?.trim(),
      'DNS:node1.example.test, DNS:*.apps.example.test, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:C000:201, IP Address:0:0:0:0:0:0:0:0, IP Address:FE80:0:0:1:2:3:4:5, IP Address:1:2:3:4:5:6:7:8, URI:spiffe://example.test/svc',
    );
    assert.match(tool('openssl', ['x509', '-noout', '-ext', 'extendedKeyUsage'], pem), /TLS Web Server Authentication/);
    // openssl's host/IP checks read the same SANs.
    assert.match(
      tool('openssl', ['x509', '-noout', '-checkip', '2001:db8::1', '-checkhost', 'x.apps.example.test'], pem),
      /Hostname x\.apps\.example\.test does match certificate\nIP 2001:db8::1 does match certificate/,
    );
  });

  it('IP address text forms, and what is refused', () => {
    assert.equal(ipAddressBytes('10.0.0.255').toString('hex'), '0a0000ff');
    assert.equal(ipAddressBytes('::1').toString('hex'), `${'0'.repeat(30)}01`);
    assert.equal(ipAddressBytes('2001:DB8::').toString('hex'), `20010db8${'0'.repeat(24)}`);
    assert.equal(ipAddressBytes('::ffff:1.2.3.4').toString('hex'), `${'0'.repeat(20)}ffff01020304`);
    assert.equal(ipAddressBytes('::1.2.3.4').toString('hex'), `${'0'.repeat(24)}01020304`);
    assert.equal(ipAddressBytes('1:2:3:4:5:6:7::').toString('hex'), '0001000200030004000500060007'.padEnd(32, '0'));
    assert.equal(ipAddressBytes('1:2:3:4:5:6:1.2.3.4').toString('hex'), '00010002000300040005000601020304');
    assert.equal(ipAddressBytes('::').toString('hex'), '0'.repeat(32));
    const bad = [
      '1.2.3',
      '256.1.1.1',
      '01.2.3.4',
      '::g',
      'fe80::1%eth0',
      'localhost',
      '',
      ':::',
      '1::2::3',
      ':1::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7:8::',
      '1:2:3:4:5:6:7',
      '::1.2.3.256',
      '12345::',
    ];
    for (const text of bad) assert.throws(() => ipAddressBytes(text), RangeError, text);
    // Node's own parser agrees on what is an address (zone ids aside, which a certificate cannot hold).
    for (const text of [...bad, '10.0.0.255', '::1', '2001:DB8::', '::ffff:1.2.3.4', '1:2:3:4:5:6:7::', '1:2:3:4:5:6:1.2.3.4', '::']) {
      if (text.includes('%')) continue;
      assert.equal(bad.includes(text), !isIP(text), text);
    }
  });

  it('an empty subject puts the identity in a critical SAN, and needs one', async () => {
    const pem = leaf({ subject: [], uris: ['spiffe://example.test/web'], usage: 'client-and-server' });
    assert.match(await verify(pem), /: OK/);
    assert.match(extensionsText(pem), /Subject Alternative Name: critical\n\s+URI:spiffe:\/\/example\.test\/web/);
    assert.match(extensionsText(pem), /TLS Web Client Authentication, TLS Web Server Authentication/);
    assert.match(asn1parse(new X509Certificate(pem).raw), /d=2\s+hl=2 l=\s+0 cons:\s+SEQUENCE/); // the empty Name
    assert.throws(() => leaf({ subject: [] }), /empty subject needs at least one subject alternative name/);
  });

  it('extra extensions are written as given, after the standard ones; a repeated OID is refused', async () => {
    const long = utf8String('x'.repeat(300)); // 0c 82 01 2c: a length past 255 inside the TBS
    const pem = leaf({
      extraExtensions: [
        { oid: '1.3.9999.2.1', critical: false, derValue: long },
        { oid: '1.3.9999.2.2', critical: true, derValue: utf8String('teleport') },
      ],
    });
    const text = tool('openssl', ['x509', '-noout', '-text'], pem);
    assert.match(text, /Authority Key Identifier[\s\S]*1\.3\.9999\.2\.1: \n\s+\.\.\.,x{300}\n[\s\S]*1\.3\.9999\.2\.2: critical\n\s+\.\.teleport/);
    // openssl refuses a critical extension it does not know: proof the flag is really set.
    await assert.rejects(verify(pem), /unhandled critical extension/);
    assert.match(await verify(leaf({ extraExtensions: [{ oid: '1.3.9999.2.1', critical: false, derValue: long }] })), /: OK/);
    assert.throws(() => leaf({ extraExtensions: [{ oid: '2.5.29.19', critical: true, derValue: Buffer.from('3000', 'hex') }] }), /2\.5\.29\.19 appears twice/);
  });

  it('serials: a high first octet stays positive (a zero octet is prepended), leading zero octets are dropped', () => {
    const high = leaf({}, Buffer.from('ff'.repeat(16), 'hex'));
    assert.equal(tool('openssl', ['x509', '-noout', '-serial'], high).trim(), `serial=${'FF'.repeat(16)}`);
    assert.equal(new X509Certificate(high).serialNumber, 'FF'.repeat(16));
    assert.match(asn1parse(new X509Certificate(high).raw), /l=\s+17 prim:\s+INTEGER\s+:F{32}/);
    const low = leaf({}, Buffer.from('0000000000000000000000000000002a', 'hex'));
    assert.equal(tool('openssl', ['x509', '-noout', '-serial'], low).trim(), 'serial=2A');
  });

  it('validity: whole seconds, UTCTime until 2049 and GeneralizedTime from 2050', async () => {
    const pem = leaf({ notBefore: new Date('2049-12-31T23:59:59.900Z'), notAfter: new Date('2050-01-01T00:00:00.000Z') });
    assert.match(tool('openssl', ['x509', '-noout', '-dates'], pem), /notBefore=Dec 31 23:59:59 2049 GMT\nnotAfter=Jan {2}1 00:00:00 2050 GMT/);
    const parsed = asn1parse(new X509Certificate(pem).raw);
    assert.match(parsed, /UTCTIME\s+:491231235959Z/);
    assert.match(parsed, /GENERALIZEDTIME\s+:20500101000000Z/);
    assert.throws(() => leaf({ notAfter: NOW }), /is not after notBefore/);
  });

  it('reads the issuer fields back out of the 0.1.0 root: its subject bytes and its key identifier', async () => {
    const fixture = new X509Certificate(await readFile(FIXTURE_ROOT, 'utf8'));
    const fields = readIssuerFields(fixture.raw);
    assert.match(asn1parse(fields.subject), /PRINTABLESTRING\s+:tbot local CA/);
    const printed = tool('openssl', ['x509', '-noout', '-ext', 'subjectKeyIdentifier'], fixture.toString()).split('\n')[1]!.trim();
    assert.equal(fields.subjectKeyIdentifier?.toString('hex').toUpperCase().match(/../g)?.join(':'), printed);
  });
});
