/**
 * A real OpenSSH sshd on 127.0.0.1, in the foreground, configured only from a temp directory:
 * the judge of the agent's SSH certificates. A missing sshd fails loudly with one line saying how
 * to install it; nothing is skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findTool, testTool } from '../../scripts/provision-test-tools.mjs';
import { freePort } from './free-port.js';

export interface SshdOptions {
  /** Where sshd_config and the principals file go. */
  dir: string;
  hostKey: string;
  hostCertificate: string;
  trustedUserCaKeys: string;
  /** Certificate principals accepted for every login user. */
  principals: readonly string[];
}

export interface Sshd {
  port: number;
  /** Everything sshd logged so far (-e sends its log to stderr). */
  log(): string;
  stop(): Promise<void>;
}

/** The sshd binary, from the one place npm test's pretest step provisions it. */
export function requireSshd(): string {
  const sshd = findTool(testTool('sshd'));
  // npm test's pretest installs it or stops first; this only fires when a test file is run alone.
  if (sshd === undefined) throw new Error("sshd is missing: run `node scripts/provision-test-tools.mjs` (npm test does; installs Debian's openssh-server)");
  if (process.getuid?.() !== 0) throw new Error('the sshd test runs sshd as root (privilege separation needs it); run the tests as root');
  return sshd;
}

function waitForListening(child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`sshd did not start listening within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const onData = (): void => {
      if (/Server listening on 127\.0\.0\.1/.test(output())) finish();
    };
    const onExit = (code: number | null): void => finish(new Error(`sshd exited (${code}) before listening:\n${output()}`));
    function finish(error?: Error): void {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    }
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

export async function startSshd(options: SshdOptions): Promise<Sshd> {
  const sshd = requireSshd();
  // Privilege separation chroots into this directory; the service unit normally creates it.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  // The port is free when probed but could be taken before sshd binds it: try a few.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(sshd, options, await freePort());
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(String(error))) throw error;
    }
  }
}

async function startOnce(sshd: string, options: SshdOptions, port: number): Promise<Sshd> {
  const principalsFile = join(options.dir, 'authorized_principals');
  await writeFile(principalsFile, `${options.principals.join('\n')}\n`);
  const configFile = join(options.dir, 'sshd_config');
  await writeFile(
    configFile,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${options.hostKey}`,
      `HostCertificate ${options.hostCertificate}`,
      `TrustedUserCAKeys ${options.trustedUserCaKeys}`,
      `AuthorizedPrincipalsFile ${principalsFile}`,
      // Only certificates signed by the trusted CA may log in.
      'AuthorizedKeysFile none',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${join(options.dir, 'sshd.pid')}`,
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const child = spawn(sshd, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    await waitForListening(child, () => stderr, 10_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    port,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
