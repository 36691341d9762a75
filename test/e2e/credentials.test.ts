/** What each output writes, checked with openssl and ssh-keygen rather than the library that wrote it. */
import assert from 'node:assert/strict';
import { lstat, readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { runTbot } from '../helpers/tbot-process.js';
import { certificateEnd, certificatePublicKey, privateKeyPublicKey, tool } from '../helpers/tools.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const CONFIG = `version: v2
proxy_server: proxy.example.test:443
storage: {type: directory, path: ./data}
credential_ttl: 45m
renewal_interval: 15m
oneshot: true
outputs:
  - type: identity
    destination: {type: directory, path: ./out/identity}
  - type: database
    service: pg-main
    database: orders
    username: reporter
    destination: {type: directory, path: ./out/db}
  - type: kubernetes
    kubernetes_cluster: prod-eu
    disable_exec_plugin: true
    destination: {type: directory, path: ./out/kube}
  - type: application
    app_name: grafana
    destination: {type: directory, path: ./out/app}
  - type: ssh_host
    principals: [node1.example.test, node1]
    destination: {type: directory, path: ./out/ssh-host}
  - type: spiffe-svid
    svid: {path: /svc/web}
    destination: {type: directory, path: ./out/svid}
`;

const TTL_MS = 45 * 60_000;

describe('credentials written by a one-shot run', () => {
  let workspace: Workspace;
  let startedAt: number;
  const out = (...parts: string[]): string => join(workspace.dir, 'out', ...parts);

  before(async () => {
    workspace = await makeWorkspace();
    await workspace.write('tbot.yaml', CONFIG);
    startedAt = Date.now();
    const run = await runTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
  });
  after(() => workspace.remove());

  function assertTtl(certPath: string): void {
    const end = certificateEnd(certPath).getTime();
    // openssl prints whole seconds; the run took a moment.
    assert.ok(end >= startedAt + TTL_MS - 2_000 && end <= Date.now() + TTL_MS + 1_000, `notAfter ${new Date(end).toISOString()}`);
  }

  it('identity: an OpenSSH user certificate that ssh-keygen reads, with principal and validity window', async () => {
    const listing = tool('ssh-keygen', ['-L', '-f', out('identity', 'key-cert.pub')]);
    assert.match(listing, /ecdsa-sha2-nistp256-cert-v01@openssh.com user certificate/);
    assert.match(listing, /Principals: \n\s+tbot\n/);
    assert.match(listing, /permit-pty/);
    const [, from, to] = /Valid: from (\S+) to (\S+)/.exec(listing) ?? [];
    assert.ok(from !== undefined && to !== undefined);
    // ssh-keygen prints local time without a zone; the test process runs with the same TZ.
    const span = new Date(to).getTime() - new Date(from).getTime();
    assert.equal(span, TTL_MS + 60_000, 'valid for credential_ttl plus one minute of clock-skew allowance');
    // The certificate is for this key, and ssh can read the private key.
    const publicFromKey = tool('ssh-keygen', ['-y', '-f', out('identity', 'key')])
      .trim()
      .split(' ')
      .slice(0, 2)
      .join(' ');
    assert.equal((await readFile(out('identity', 'key.pub'), 'utf8')).trim().split(' ').slice(0, 2).join(' '), publicFromKey);
    // The CA that signed it is the one in sshcacerts.
    const caLine = (await readFile(out('identity', 'sshcacerts'), 'utf8')).trim();
    assert.match(caLine, /^cert-authority ecdsa-sha2-nistp256 /);
    const caFingerprint = tool('ssh-keygen', ['-l', '-f', '-'], caLine.replace(/^cert-authority /, '')).split(' ')[1];
    assert.ok(caFingerprint !== undefined && listing.includes(`Signing CA: ECDSA ${caFingerprint}`));
  });

  it('identity: a TLS client certificate that openssl verifies against tlscacerts, for the same key', async () => {
    assert.match(tool('openssl', ['verify', '-CAfile', out('identity', 'tlscacerts'), out('identity', 'tlscert')]), /: OK/);
    assertTtl(out('identity', 'tlscert'));
    assert.equal(certificatePublicKey({ path: out('identity', 'tlscert') }), privateKeyPublicKey(out('identity', 'key')));
    assert.match(tool('openssl', ['x509', '-noout', '-ext', 'extendedKeyUsage', '-in', out('identity', 'tlscert')]), /TLS Web Client Authentication/);
  });

  it('identity: ssh_config names the files by absolute path, and ssh -G accepts it', async () => {
    const config = await readFile(out('identity', 'ssh_config'), 'utf8');
    assert.match(config, new RegExp(`CertificateFile "${out('identity', 'key-cert.pub')}"`));
    const resolved = tool('ssh', ['-G', '-F', out('identity', 'ssh_config'), 'someone@host.example.test']);
    assert.match(resolved, new RegExp(`certificatefile ${out('identity', 'key-cert.pub')}`));
    assert.match(await readFile(out('identity', 'known_hosts'), 'utf8'), /^@cert-authority \* ecdsa-sha2-nistp256 /);
  });

  it('database: CN is the user, the route is a db:// URI SAN, and openssl verifies it', () => {
    assert.match(tool('openssl', ['verify', '-CAfile', out('db', 'tlscacerts'), out('db', 'tlscert')]), /: OK/);
    assertTtl(out('db', 'tlscert'));
    assert.match(tool('openssl', ['x509', '-noout', '-subject', '-in', out('db', 'tlscert')]), /CN = reporter, OU = pg-main/);
    assert.match(tool('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', out('db', 'tlscert')]), /URI:db:\/\/pg-main\/orders/);
    assert.equal(certificatePublicKey({ path: out('db', 'tlscert') }), privateKeyPublicKey(out('db', 'key')));
  });

  it('application: an app:// URI SAN for app_name', () => {
    assert.match(tool('openssl', ['verify', '-CAfile', out('app', 'tlscacerts'), out('app', 'tlscert')]), /: OK/);
    assert.match(tool('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', out('app', 'tlscert')]), /URI:app:\/\/grafana/);
  });

  it('kubernetes: kubeconfig.yaml parses, names the cluster, and embeds a certificate openssl accepts', async () => {
    const kubeconfig = parse(await readFile(out('kube', 'kubeconfig.yaml'), 'utf8'));
    assert.equal(kubeconfig['current-context'], 'prod-eu');
    assert.equal(kubeconfig.clusters[0].name, 'prod-eu');
    assert.equal(kubeconfig.clusters[0].cluster.server, 'https://proxy.example.test:443');
    const ca = Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
    const cert = Buffer.from(kubeconfig.users[0].user['client-certificate-data'], 'base64').toString();
    const key = Buffer.from(kubeconfig.users[0].user['client-key-data'], 'base64').toString();
    await workspace.write('kube-ca.pem', ca);
    await workspace.write('kube-cert.pem', cert);
    await workspace.write('kube-key.pem', key);
    assert.match(tool('openssl', ['verify', '-CAfile', join(workspace.dir, 'kube-ca.pem'), join(workspace.dir, 'kube-cert.pem')]), /: OK/);
    assert.equal(certificatePublicKey({ pem: cert }), privateKeyPublicKey(join(workspace.dir, 'kube-key.pem')));
    assert.match(tool('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], cert), /URI:k8s:\/\/prod-eu/);
  });

  it('ssh_host: an OpenSSH host certificate for the principals', () => {
    const listing = tool('ssh-keygen', ['-L', '-f', out('ssh-host', 'ssh_host-cert.pub')]);
    assert.match(listing, /host certificate/);
    assert.match(listing, /Principals: \n\s+node1\.example\.test\n\s+node1\n/);
    assert.match(tool('ssh-keygen', ['-y', '-f', out('ssh-host', 'ssh_host')]), /^ecdsa-sha2-nistp256 /);
  });

  it('spiffe-svid: an X.509 SVID with a spiffe:// URI SAN in the proxy trust domain', () => {
    assert.match(tool('openssl', ['verify', '-CAfile', out('svid', 'svid_bundle.pem'), out('svid', 'svid.pem')]), /: OK/);
    assert.match(tool('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', out('svid', 'svid.pem')]), /URI:spiffe:\/\/proxy\.example\.test\/svc\/web/);
  });

  it('files are 0600 in 0700 directories, served through one ..data generation link', async () => {
    for (const dir of ['identity', 'db', 'kube', 'app', 'ssh-host', 'svid']) {
      assert.equal((await stat(out(dir))).mode & 0o777, 0o700, dir);
      const generation = await readlink(out(dir, '..data'));
      assert.equal((await stat(out(dir, generation))).mode & 0o777, 0o700);
      for (const name of await readdir(out(dir))) {
        if (name.startsWith('..')) continue;
        assert.ok((await lstat(out(dir, name))).isSymbolicLink(), `${dir}/${name} is a link`);
        assert.equal((await stat(out(dir, name))).mode & 0o777, 0o600, `${dir}/${name}`);
        assert.equal(await realpath(out(dir, name)), await realpath(out(dir, generation, name)));
      }
    }
  });

  it('the local CA lives in storage: 0700 directory, 0600 files', async () => {
    const ca = join(workspace.dir, 'data', 'ca');
    assert.equal((await stat(ca)).mode & 0o777, 0o700);
    for (const name of await readdir(ca)) assert.equal((await stat(join(ca, name))).mode & 0o777, 0o600, name);
  });

  it("a second run reuses the CA: new certificates verify against the first run's CA", async () => {
    const firstCa = await readFile(out('db', 'tlscacerts'), 'utf8');
    const firstCert = await readFile(out('db', 'tlscert'), 'utf8');
    const run = await runTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(await readFile(out('db', 'tlscacerts'), 'utf8'), firstCa);
    assert.notEqual(await readFile(out('db', 'tlscert'), 'utf8'), firstCert);
    await workspace.write('first-ca.pem', firstCa);
    assert.match(tool('openssl', ['verify', '-CAfile', join(workspace.dir, 'first-ca.pem'), out('db', 'tlscert')]), /: OK/);
    // Only the current generation is kept.
    assert.equal((await readdir(out('db'))).filter((name) => /^\.\.\d/.test(name)).length, 1);
  });
});
