/**
 * The renewal cycle's own cost, side by side in one run:
 *   one cycle (identity + database + kubernetes + application, directory destinations, fsync)
 *     ÷ `node -e 0`, and its absolute time                      goal ≤ 50 ms
 *   certificates issued per second in-process ÷ spawning `openssl req -x509 -newkey ed25519`
 *                                                              goal: faster than openssl
 *   RSS of a continuous agent after 1,000 cycles ÷ after 10     goal ≤ 1.1 (no leak)
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateP256KeyPair } from '../src/ca/keys.js';
import { openLocalCa } from '../src/ca/local-ca.js';
import { createOutputRenewers } from '../src/outputs/output-renewer.js';
import { botConfig, directory, output } from '../test/helpers/bot-config.js';
import { eachLine, fmt, median, measure, runsFromEnv } from './measure.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-cycle-'));
const runs = runsFromEnv(30);
try {
  // 1. One cycle, four kinds, real directories.
  const dir = (name: string) => ({ destination: directory(join(scratch, 'out', name)) });
  const outputs = [
    output({ type: 'identity', sshConfig: 'on', allowReissue: false }, dir('identity')),
    output({ type: 'database', service: 'pg', database: 'orders', username: 'reporter', format: 'default' }, dir('db')),
    output({ type: 'kubernetes', kubernetesCluster: 'prod', disableExecPlugin: false }, dir('kube')),
    output({ type: 'application', appName: 'grafana', specificTlsNaming: false }, dir('app')),
  ];
  // The same four outputs as YAML, for the real agent's soak below.
  const rawOutputs = [
    { type: 'identity' },
    { type: 'database', service: 'pg', database: 'orders', username: 'reporter' },
    { type: 'kubernetes', kubernetes_cluster: 'prod' },
    { type: 'application', app_name: 'grafana' },
  ];
  const config = botConfig({ storage: directory(join(scratch, 'data')), outputs });
  const { ca } = await openLocalCa(config.storage, new Date());
  const renewers = createOutputRenewers(config, { agentVersion: 'bench', source: async () => ca, newId: () => 'bench' });
  const signal = new AbortController().signal;
  // One cycle: every output renewed once, side by side, as a one-shot run does.
  const cycle = (now: Date) => Promise.all(renewers.map((renewer) => renewer.renew({ now, signal })));
  for (let i = 0; i < 3; i += 1) await cycle(new Date());
  const cycleTimes: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await cycle(new Date());
    cycleTimes.push(performance.now() - started);
  }
  const nodeStart = median((await measure([{ name: 'node', command: process.execPath, args: ['-e', '0'] }], 10)).get('node')!);
  const cycleMs = median(cycleTimes);

  // 2. Certificates per second: in-process issuing vs one openssl process per certificate.
  const certificates = 100;
  let started = performance.now();
  for (let i = 0; i < certificates; i += 1) {
    const keys = await generateP256KeyPair();
    await ca.issueTlsCertificate({ publicKey: keys.publicKey, subject: [['CN', 'bench']], usage: 'client', notBefore: new Date(), notAfter: new Date(Date.now() + 3_600_000) });
  }
  const inProcessPerSecond = certificates / ((performance.now() - started) / 1000);
  const opensslOut = join(scratch, 'openssl');
  started = performance.now();
  for (let i = 0; i < certificates; i += 1) {
    const result = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', `${opensslOut}.key`, '-out', `${opensslOut}.crt`, '-days', '1', '-subj', '/CN=bench'],
      { stdio: 'ignore' },
    );
    if (result.status !== 0) throw new Error('openssl failed');
  }
  const opensslPerSecond = certificates / ((performance.now() - started) / 1000);

  // 3. RSS of the real agent after 10 and after 1,000 cycles.
  await writeFile(
    join(scratch, 'soak.yaml'),
    `version: v2\nstorage: {type: directory, path: ./data}\nrenewal_interval: 5ms\noutputs:\n${rawOutputs.map((raw) => `  - ${JSON.stringify({ ...raw, destination: { type: 'directory', path: `./soak/${raw.type}` } })}`).join('\n')}\n`,
  );
  const bundle = join(root, 'dist/tbot.mjs');
  const heapProbe = ['--expose-gc', '--import', join(root, 'test/fixtures/heap-probe.mjs')];
  const soak = await rssAtCycles([...heapProbe, bundle], scratch, [10, 1_000, 2_000], rawOutputs.length, join(scratch, 'heap.log'));

  console.log(`renewal cycle, 4 outputs (identity, database, kubernetes, application), ${runs} cycles`);
  console.log(`  one cycle (median)                                ${fmt(cycleMs)}   goal ≤ 50 ms`);
  console.log(`  node -e 0 (median)                                ${fmt(nodeStart)}`);
  console.log(`  one cycle ÷ node -e 0                             ${(cycleMs / nodeStart).toFixed(2)}×`);
  console.log(`certificates issued, ${certificates} each`);
  console.log(`  in-process (key pair + X.509 certificate)         ${inProcessPerSecond.toFixed(0)}/s`);
  console.log(`  spawning openssl req -x509 -newkey ed25519        ${opensslPerSecond.toFixed(0)}/s`);
  console.log(`  in-process ÷ openssl                              ${(inProcessPerSecond / opensslPerSecond).toFixed(1)}×   goal > 1`);
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const ratio = (values: number[], from: number, to: number): string => (values[to]! / values[from]!).toFixed(3);
  console.log('continuous agent, renewal_interval 5ms, at 10 / 1,000 / 2,000 cycles');
  console.log(`  RSS                 ${soak.rss.map(mb).join(' / ')}`);
  console.log(`  live heap after GC  ${soak.heap.map(mb).join(' / ')}`);
  console.log(`  RSS 1,000 ÷ 10                                    ${ratio(soak.rss, 0, 1)}   goal ≤ 1.1 (includes warm-up: JIT code, V8 heap sizing)`);
  console.log(`  RSS 2,000 ÷ 1,000                                 ${ratio(soak.rss, 1, 2)}   (steady state: a leak keeps growing here)`);
  console.log(`  live heap 2,000 ÷ 1,000                           ${ratio(soak.heap, 1, 2)}`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}

/**
 * Counts "renewal cycle complete" lines (one per output renewed, so `perCycle` make a cycle); at each target samples /proc/<pid>/status VmRSS and asks
 * the heap probe (SIGUSR2) for the live heap after a full GC.
 */
function rssAtCycles(nodeArgs: string[], cwd: string, targets: number[], perCycle: number, heapLog: string): Promise<{ rss: number[]; heap: number[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, 'start', '-c', 'soak.yaml'], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', TBOT_HEAP_LOG: heapLog },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const samples: number[] = [];
    let renewals = 0;
    let cycles = 0;
    eachLine(child.stderr, (line) => {
      if (!line.includes('renewal cycle complete')) return;
      renewals += 1;
      if (renewals % perCycle !== 0) return;
      cycles = renewals / perCycle;
      if (cycles === targets[samples.length]) {
        samples.push(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) * 1024);
        child.kill('SIGUSR2');
        // Give the probe a moment to write before the agent is stopped.
        if (samples.length === targets.length) setTimeout(() => child.kill('SIGTERM'), 200);
      }
    });
    child.on('error', reject);
    child.on('close', () => {
      const heap = readFileSync(heapLog, 'utf8').trim().split('\n').map(Number);
      if (samples.length === targets.length && heap.length === targets.length) resolve({ rss: samples, heap });
      else reject(new Error(`agent stopped after ${cycles} cycles`));
    });
  });
}
