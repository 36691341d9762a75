/**
 * The SSH credentials judged by a real OpenSSH server and client: sshd presents the ssh_host
 * output's host certificate and trusts the user CA the agent wrote; ssh logs in with the identity
 * output's ssh_config, key and certificate, and checks the host through known_hosts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, runTbot } from '../helpers/tbot-process.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const HOST = 'node1.example.test';
const CONFIG = `version: v2
storage: {type: directory, path: ./data}
oneshot: true
outputs:
  - type: identity
    destination: {type: directory, path: ./out/identity}
  - type: ssh_host
    principals: [${HOST}]
    destination: {type: directory, path: ./out/ssh-host}
`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function ssh(args: readonly string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe("a real sshd accepts the agent's SSH certificates", () => {
  let workspace: Workspace;
  let sshd: Sshd;
  const out = (...parts: string[]): string => join(workspace.dir, 'out', ...parts);
  /** Logs in as root through the identity output's ssh_config; the alias makes ssh check the host certificate for HOST. */
  const login = (...extra: string[]): Promise<Result> =>
    ssh(['-F', out('identity', 'ssh_config'), '-p', String(sshd.port), '-o', `HostKeyAlias=${HOST}`, '-o', 'BatchMode=yes', ...extra, '-v', 'root@127.0.0.1', 'echo', 'ok']);

  before(async () => {
    workspace = await makeWorkspace();
    await workspace.write('tbot.yaml', CONFIG);
    const run = await runTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir });
    assert.equal(run.code, 0, run.stderr);
    sshd = await startSshd({
      dir: workspace.dir,
      hostKey: out('ssh-host', 'ssh_host'),
      hostCertificate: out('ssh-host', 'ssh_host-cert.pub'),
      trustedUserCaKeys: out('ssh-host', 'ssh_host-user-ca.pub'),
      principals: ['tbot'],
    });
  });
  after(async () => {
    await sshd?.stop();
    await workspace.remove();
  });

  it("the user CA given to sshd is the one in the identity output's sshcacerts", async () => {
    const key = (line: string): string => line.trim().split(/\s+/).slice(-3, -1).join(' ');
    assert.equal(key(await readFile(out('ssh-host', 'ssh_host-user-ca.pub'), 'utf8')), key(await readFile(out('identity', 'sshcacerts'), 'utf8')));
  });

  it('ssh -F ssh_config logs in with the user certificate and verifies the host certificate', async () => {
    const result = await login();
    assert.equal(result.code, 0, `${result.stderr}\n--- sshd:\n${sshd.log()}`);
    assert.equal(result.stdout, 'ok\n');
    // The client was shown a host certificate and accepted it through the @cert-authority line.
    assert.match(result.stderr, /Server host certificate: ecdsa-sha2-nistp256-cert-v01@openssh\.com/);
    assert.match(result.stderr, new RegExp(`Host '${HOST.replaceAll('.', '\\.')}' is known and matches the ECDSA-CERT host certificate`));
    // The server accepted the user certificate, not some other key.
    assert.match(sshd.log(), /Accepted publickey for root from 127\.0\.0\.1 port \d+ ssh2: ECDSA-CERT SHA256:\S+ ID tbot-identity-\S+ \(serial \d+\) CA ECDSA SHA256:/);
  });

  it('the host check is real: without the host CA in known_hosts, ssh refuses the server', async () => {
    await workspace.write('empty_known_hosts', '');
    const result = await login('-o', `UserKnownHostsFile=${join(workspace.dir, 'empty_known_hosts')}`);
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /Host key verification failed/);
  });

  it('the user check is real: sshd refuses a certificate whose principal it does not accept', async () => {
    await workspace.write('authorized_principals', 'someone-else\n');
    try {
      const result = await login();
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /Permission denied \(publickey\)/);
      assert.match(sshd.log(), /Certificate does not contain an authorized principal/);
    } finally {
      await workspace.write('authorized_principals', 'tbot\n');
    }
  });
});
