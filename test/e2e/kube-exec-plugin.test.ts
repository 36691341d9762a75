/**
 * kubectl's exec plugin, end to end: a kubernetes output left with `disable_exec_plugin: false`
 * (the default) writes a kubeconfig whose user runs `tbot kube credentials` as Go tbot's does;
 * running exactly the command it names prints an ExecCredential whose certificate openssl
 * verifies against the kubeconfig's CA and whose key matches it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { cleanEnv, runTbot, TBOT_BUNDLE } from '../helpers/tbot-process.js';
import { certificateEnd, certificatePublicKey, tool } from '../helpers/tools.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const run = promisify(execFile);

const CONFIG = `version: v2
proxy_server: proxy.example.test:443
storage: {type: directory, path: ./data}
oneshot: true
services:
  - type: kubernetes
    kubernetes_cluster: prod-eu
    destination: {type: directory, path: ./out/kube}
  - type: kubernetes/v2
    selectors: [{name: alpha}, {name: beta}]
    destination: {type: directory, path: ./out/kube-v2}
  - type: kubernetes
    kubernetes_cluster: embedded
    disable_exec_plugin: true
    destination: {type: directory, path: ./out/kube-embedded}
`;

interface ExecStanza {
  apiVersion: string;
  command: string;
  args: string[];
}

interface ExecCredential {
  kind: string;
  apiVersion: string;
  spec: { interactive: boolean };
  status: { expirationTimestamp: string; clientCertificateData: string; clientKeyData: string };
}

describe('kubeconfigs call `tbot kube credentials`, and the plugin hands kubectl a certificate', () => {
  let workspace: Workspace;
  const out = (...parts: string[]): string => join(workspace.dir, 'out', ...parts);
  const kubeconfigOf = async (dir: string): Promise<{ users: { user: Record<string, unknown> }[]; clusters: { cluster: Record<string, string> }[] }> =>
    parse(await readFile(out(dir, 'kubeconfig.yaml'), 'utf8'));

  before(async () => {
    workspace = await makeWorkspace('tbot-kube-exec-');
    await workspace.write('tbot.yaml', CONFIG);
    const started = await runTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir });
    assert.equal(started.code, 0, started.stderr);
  });
  after(() => workspace.remove());

  for (const dir of ['kube', 'kube-v2']) {
    it(`${dir}: the user is an exec stanza naming this tbot, and its command prints an ExecCredential openssl accepts`, async () => {
      const kubeconfig = await kubeconfigOf(dir);
      assert.equal(kubeconfig.users.length, 1);
      const user = kubeconfig.users[0]?.user as { exec: ExecStanza };
      assert.deepEqual(Object.keys(user), ['exec'], 'no credentials are embedded beside the exec plugin');
      assert.equal(user.exec.apiVersion, 'client.authentication.k8s.io/v1beta1');
      assert.deepEqual(user.exec.args.slice(-3), ['kube', 'credentials', `--destination-dir=${out(dir)}`]);
      assert.equal(user.exec.command, process.execPath);
      assert.equal(user.exec.args[0], TBOT_BUNDLE);

      // Exactly what kubectl would run, from somewhere else, with nothing but PATH.
      const { stdout } = await run(user.exec.command, user.exec.args, { cwd: '/', env: cleanEnv() });
      const credential = JSON.parse(stdout) as ExecCredential;
      assert.equal(credential.kind, 'ExecCredential');
      assert.equal(credential.apiVersion, user.exec.apiVersion, 'kubectl refuses a credential of another version than it asked for');
      assert.deepEqual(credential.spec, { interactive: false });

      const ca = Buffer.from(kubeconfig.clusters[0]?.cluster['certificate-authority-data'] as string, 'base64').toString();
      const caPath = await workspace.write(`${dir}-ca.pem`, ca);
      const certPath = await workspace.write(`${dir}-cert.pem`, credential.status.clientCertificateData);
      const keyPath = await workspace.write(`${dir}-key.pem`, credential.status.clientKeyData);
      assert.match(tool('openssl', ['verify', '-CAfile', caPath, certPath]), /: OK/);
      assert.equal(certificatePublicKey({ path: certPath }), tool('openssl', ['pkey', '-pubout', '-in', keyPath]));
      // The plugin says it expires a minute early, so kubectl asks again before a request can fail.
      assert.equal(new Date(credential.status.expirationTimestamp).getTime(), certificateEnd(certPath).getTime() - 60_000);
      assert.match(credential.status.expirationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });
  }

  it('disable_exec_plugin: true embeds the certificate and key instead', async () => {
    const user = (await kubeconfigOf('kube-embedded')).users[0]?.user ?? {};
    assert.deepEqual(Object.keys(user).sort(), ['client-certificate-data', 'client-key-data']);
  });

  it('a directory without an identity file is named, with what to check, and exits 1', async () => {
    const result = await runTbot(['kube', 'credentials', '--destination-dir', out('nowhere')], { cwd: workspace.dir });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /cannot read .*nowhere\/identity: no such file; is .*nowhere the destination of a kubernetes output/);
  });

  it('--destination-dir is required, as in tbot', async () => {
    const result = await runTbot(['kube', 'credentials'], { cwd: workspace.dir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--destination-dir/);
  });
});
