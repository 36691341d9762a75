/**
 * The file layouts tbot users rely on (database formats, application TLS names, identity options,
 * kubernetes/v2, the identity file and CA files) and what the certificates record (roles, route to
 * cluster, reissue), each checked with openssl, ssh-keygen or a YAML parser, not with our own code.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runTbot } from '../helpers/tbot-process.js';
import { certificatePublicKey, privateKeyPublicKey, tool } from '../helpers/tools.js';
import { IDENTITY_ARTIFACTS } from '../helpers/identity-artifacts.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const CONFIG = `version: v2
proxy_server: proxy.example.test:443
storage: {type: directory, path: ./data}
oneshot: true
outputs:
  - type: identity
    roles: [access, editor]
    cluster: leaf.example.test
    destination: {type: directory, path: ./out/identity}
  - type: identity
    ssh_config: "off"
    allow_reissue: true
    destination: {type: directory, path: ./out/identity-plain}
  - type: database
    service: pg
    destination: {type: directory, path: ./out/db-default}
  - type: database
    service: pg
    format: tls
    destination: {type: directory, path: ./out/db-tls}
  - type: database
    service: mongo1
    username: reader
    format: mongo
    roles: [db-reader]
    destination: {type: directory, path: ./out/db-mongo}
  - type: database
    service: roach
    username: root
    format: cockroach
    destination: {type: directory, path: ./out/db-cockroach}
  - type: application
    app_name: grafana
    specific_tls_naming: true
    destination: {type: directory, path: ./out/app}
  - type: application
    app_name: plain
    destination: {type: directory, path: ./out/app-plain}
  - type: kubernetes/v2
    selectors:
      - {name: alpha, default_namespace: team-a}
      - {name: beta}
    disable_exec_plugin: true
    destination: {type: directory, path: ./out/kube-v2}
`;

describe('file layouts and certificate contents of the tbot output options', () => {
  let workspace: Workspace;
  const out = (...parts: string[]): string => join(workspace.dir, 'out', ...parts);
  const visible = async (dir: string): Promise<string[]> => (await readdir(out(dir))).filter((name) => !name.startsWith('..')).sort();
  const verify = (ca: string, cert: string): void => assert.match(tool('openssl', ['verify', '-CAfile', ca, cert]), /: OK/);
  const samePair = (cert: string, key: string): void => assert.equal(certificatePublicKey({ path: cert }), privateKeyPublicKey(key));

  before(async () => {
    workspace = await makeWorkspace();
    await workspace.write('tbot.yaml', CONFIG);
    const run = await runTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
  });
  after(() => workspace.remove());

  it("database, default format: tbot's identity artifacts and nothing more", async () => {
    assert.deepEqual(await visible('db-default'), IDENTITY_ARTIFACTS);
    verify(out('db-default', 'teleport-database-ca.crt'), out('db-default', 'tlscert'));
  });

  it('database, format tls: tls.crt, tls.key and tls.cas', async () => {
    assert.deepEqual(await visible('db-tls'), [...IDENTITY_ARTIFACTS, 'tls.cas', 'tls.crt', 'tls.key'].sort());
    verify(out('db-tls', 'tls.cas'), out('db-tls', 'tls.crt'));
    samePair(out('db-tls', 'tls.crt'), out('db-tls', 'tls.key'));
  });

  it('database, format mongo: mongo.crt holds the certificate and then its key; mongo.cas the CA', async () => {
    assert.deepEqual(await visible('db-mongo'), [...IDENTITY_ARTIFACTS, 'mongo.cas', 'mongo.crt'].sort());
    const combined = await readFile(out('db-mongo', 'mongo.crt'), 'utf8');
    assert.match(combined, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    // openssl reads each half from the one file, as mongosh --tlsCertificateKeyFile does.
    samePair(out('db-mongo', 'mongo.crt'), out('db-mongo', 'mongo.crt'));
    verify(out('db-mongo', 'mongo.cas'), out('db-mongo', 'mongo.crt'));
    assert.match(tool('openssl', ['x509', '-noout', '-subject', '-in', out('db-mongo', 'mongo.crt')]), /CN = reader, OU = mongo1, O = db-reader/);
  });

  it('database, format cockroach: a cockroach/ directory with node.crt, node.key, ca.crt and ca-client.crt, inside the generation', async () => {
    assert.deepEqual(await visible('db-cockroach'), [...IDENTITY_ARTIFACTS, 'cockroach'].sort());
    assert.deepEqual((await readdir(out('db-cockroach', 'cockroach'))).sort(), ['ca-client.crt', 'ca.crt', 'node.crt', 'node.key']);
    verify(out('db-cockroach', 'cockroach', 'ca.crt'), out('db-cockroach', 'cockroach', 'node.crt'));
    verify(out('db-cockroach', 'cockroach', 'ca-client.crt'), out('db-cockroach', 'cockroach', 'node.crt'));
    samePair(out('db-cockroach', 'cockroach', 'node.crt'), out('db-cockroach', 'cockroach', 'node.key'));
    // The directory is a link through ..data, so it changes with the rest of the set.
    assert.equal(await readlink(out('db-cockroach', 'cockroach')), '..data/cockroach');
    const generation = await realpath(out('db-cockroach', '..data'));
    assert.equal(await realpath(out('db-cockroach', 'cockroach', 'node.key')), join(generation, 'cockroach', 'node.key'));
  });

  it('application, specific_tls_naming: tls.crt, tls.key and tls.cas beside the usual files; without it, none', async () => {
    assert.deepEqual(await visible('app'), [...IDENTITY_ARTIFACTS, 'tls.cas', 'tls.crt', 'tls.key'].sort());
    verify(out('app', 'tls.cas'), out('app', 'tls.crt'));
    samePair(out('app', 'tls.crt'), out('app', 'tls.key'));
    assert.match(tool('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', out('app', 'tls.crt')]), /URI:app:\/\/grafana/);
    assert.deepEqual(await visible('app-plain'), IDENTITY_ARTIFACTS);
  });

  it('identity, roles: one subject O per role, and teleport-roles {"version":"v1","roles":[…]} in the SSH certificate', () => {
    const subject = tool('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', out('identity', 'tlscert')]);
    assert.match(subject, /O=access/);
    assert.match(subject, /O=editor/);
    // asn1parse names the attribute by its OID's short name: organizationName is 2.5.4.10.
    const parsed = tool('openssl', ['asn1parse', '-in', out('identity', 'tlscert')]);
    assert.equal((parsed.match(/:organizationName\s*\n.*:(access|editor)\s*$/gm) ?? []).length, 2, parsed);
    const listing = tool('ssh-keygen', ['-L', '-f', out('identity', 'key-cert.pub')]);
    assert.deepEqual(JSON.parse(sshExtensionString(listing, 'teleport-roles')), { version: 'v1', roles: ['access', 'editor'] });
  });

  it('identity, cluster: the route to the cluster in the subject street and in teleport-route-to-cluster', () => {
    assert.match(tool('openssl', ['x509', '-noout', '-subject', '-in', out('identity', 'tlscert')]), /street = leaf\.example\.test/);
    const listing = tool('ssh-keygen', ['-L', '-f', out('identity', 'key-cert.pub')]);
    assert.equal(sshExtensionString(listing, 'teleport-route-to-cluster'), 'leaf.example.test');
  });

  it('identity, allow_reissue: certificates say "disallow reissue" unless it is true', () => {
    assert.match(tool('openssl', ['x509', '-noout', '-subject', '-in', out('identity', 'tlscert')]), /1\.3\.9999\.2\.9 = true/);
    assert.match(tool('ssh-keygen', ['-L', '-f', out('identity', 'key-cert.pub')]), /disallow-reissue UNKNOWN FLAG OPTION/);
    assert.doesNotMatch(tool('openssl', ['x509', '-noout', '-subject', '-in', out('identity-plain', 'tlscert')]), /1\.3\.9999\.2\.9/);
    assert.doesNotMatch(tool('ssh-keygen', ['-L', '-f', out('identity-plain', 'key-cert.pub')]), /disallow-reissue/);
    // No roles listed: no O values and no teleport-roles.
    assert.equal(tool('openssl', ['x509', '-noout', '-subject', '-in', out('identity-plain', 'tlscert')]).trim(), 'subject=CN = tbot');
  });

  it('identity, ssh_config off: neither ssh_config nor known_hosts; on (the default): both', async () => {
    assert.deepEqual(await visible('identity-plain'), [...IDENTITY_ARTIFACTS, 'sshcacerts'].sort());
    assert.ok(existsSync(out('identity', 'ssh_config')) && existsSync(out('identity', 'known_hosts')));
  });

  it("the identity file: key, SSH certificate, TLS certificate, host CA line, TLS CA, in Teleport's order, all matching the other files", async () => {
    const text = await readFile(out('identity', 'identity'), 'utf8');
    const blocks = text.match(/-----BEGIN ([A-Z ]+)-----\n[\s\S]+?-----END \1-----\n|^ecdsa-sha2-nistp256-cert-v01@openssh\.com .*\n|^@cert-authority .*\n/gm) ?? [];
    assert.equal(blocks.join(''), text, 'nothing but the five parts');
    const [key, sshCert, tlsCert, hostCa, tlsCa] = blocks;
    assert.equal(key, await readFile(out('identity', 'key'), 'utf8'));
    assert.equal(sshCert?.trim(), (await readFile(out('identity', 'key-cert.pub'), 'utf8')).trim());
    assert.equal(tlsCert, await readFile(out('identity', 'tlscert'), 'utf8'));
    assert.equal(tlsCa, await readFile(out('identity', 'tlscacerts'), 'utf8'));
    const hostCaKey = (await readFile(out('identity', 'known_hosts'), 'utf8'))
      .replace(/^@cert-authority \* /, '')
      .trim()
      .split(' ')
      .slice(0, 2)
      .join(' ');
    assert.equal(hostCa, `@cert-authority proxy.example.test,*.proxy.example.test ${hostCaKey} type=host\n`);
    // ssh-keygen accepts the line as a known_hosts entry for a host in the cluster.
    await workspace.write('identity-known-hosts', hostCa ?? '');
    assert.match(tool('ssh-keygen', ['-F', 'node1.proxy.example.test', '-f', join(workspace.dir, 'identity-known-hosts')]), /@cert-authority/);
  });

  it('teleport-host-ca.crt, teleport-user-ca.crt and teleport-database-ca.crt hold the CA that issued tlscert', async () => {
    for (const name of ['teleport-host-ca.crt', 'teleport-user-ca.crt', 'teleport-database-ca.crt']) {
      verify(out('identity', name), out('identity', 'tlscert'));
      assert.equal(await readFile(out('identity', name), 'utf8'), await readFile(join(workspace.dir, 'data', 'ca', 'tls-ca.crt'), 'utf8'));
    }
  });

  it("kubernetes/v2: one kubeconfig with a cluster and a context per name, tbot's routing, namespace, embedded credentials", async () => {
    assert.deepEqual(await visible('kube-v2'), ['identity', 'kubeconfig.yaml', 'tbot-status.json', 'teleport-host-ca.crt']);
    const kubeconfig = parse(await readFile(out('kube-v2', 'kubeconfig.yaml'), 'utf8'));
    const b64url = (text: string): string => Buffer.from(text).toString('base64url');
    assert.deepEqual(
      kubeconfig.clusters.map((entry: { name: string; cluster: Record<string, string> }) => [entry.name, entry.cluster['server'], entry.cluster['tls-server-name']]),
      ['alpha', 'beta'].map((name) => [
        `proxy.example.test-${name}`,
        `https://proxy.example.test:443/v1/teleport/${b64url('proxy.example.test')}/${b64url(name)}`,
        'kube-teleport-proxy-alpn.proxy.example.test',
      ]),
    );
    assert.deepEqual(kubeconfig.contexts, [
      { name: 'proxy.example.test-alpha', context: { cluster: 'proxy.example.test-alpha', namespace: 'team-a', user: 'proxy.example.test' } },
      { name: 'proxy.example.test-beta', context: { cluster: 'proxy.example.test-beta', user: 'proxy.example.test' } },
    ]);
    assert.equal(kubeconfig['current-context'], 'proxy.example.test-alpha');
    assert.equal(kubeconfig.users.length, 1);
    const decode = (data: string): string => Buffer.from(data, 'base64').toString();
    const cert = decode(kubeconfig.users[0].user['client-certificate-data']);
    await workspace.write('kube-ca.pem', decode(kubeconfig.clusters[1].cluster['certificate-authority-data']));
    await workspace.write('kube-cert.pem', cert);
    await workspace.write('kube-key.pem', decode(kubeconfig.users[0].user['client-key-data']));
    verify(join(workspace.dir, 'kube-ca.pem'), join(workspace.dir, 'kube-cert.pem'));
    samePair(join(workspace.dir, 'kube-cert.pem'), join(workspace.dir, 'kube-key.pem'));
    assert.ok(new X509Certificate(cert).checkIssued(new X509Certificate(await readFile(out('kube-v2', 'teleport-host-ca.crt'), 'utf8'))));
  });
});

/** The string value of an SSH certificate extension, from `ssh-keygen -L`'s hex dump of its data (an SSH string). */
function sshExtensionString(listing: string, name: string): string {
  const hex = new RegExp(`${name} UNKNOWN OPTION: ([0-9a-f]+) \\(len (\\d+)\\)`).exec(listing);
  assert.ok(hex !== null, `${name} in:\n${listing}`);
  const data = Buffer.from(hex[1]!, 'hex');
  assert.equal(data.length, Number(hex[2]));
  const length = data.readUInt32BE(0);
  assert.equal(length, data.length - 4, 'the extension data is one SSH string');
  return data.subarray(4).toString('utf8');
}
