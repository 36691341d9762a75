/**
 * What TLS and HTTP/2 cost the collector, side by side in one run: the same single-call load
 * (SubmitTbotEvent, 64 calls in flight, real connect-node clients) against one built collector
 * serving plain HTTP (HTTP/1.1, keep-alive) and one serving --tls (HTTP/2 by ALPN, the caller
 * holding a tenant certificate, so every call is mutual TLS). The candidates take turns for
 * BENCH_ROUNDS rounds of BENCH_SECONDS each; medians are printed with the load average.
 *
 *   plain HTTP/1.1, Connect JSON       the baseline
 *   mutual TLS + h2, Connect JSON      ÷ baseline: the price of TLS and HTTP/2 on the same calls
 *   mutual TLS + h2, gRPC binary       the protocol an auth server's Go client would use
 */
import { execFileSync } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transport } from '@connectrpc/connect';
import { SUBMIT_TBOT_EVENT_PATH } from '../src/protocol/tbot-wire.js';
import { COLLECTOR_BUNDLE, startCollector, tbotEvent } from '../test/helpers/collector-process.js';
import { call, transport, type Cell, type ClientTls } from '../test/helpers/rpc-clients.js';
import { median } from './measure.js';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 4);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 3);
const IN_FLIGHT = 64;
const scratch = await mkdtemp(join(tmpdir(), 'tbot-bench-tls-'));

interface Candidate {
  name: string;
  client: () => Transport;
}

/** Calls completed per second with IN_FLIGHT loops calling back to back for `seconds`. */
async function drive(client: Transport): Promise<{ rate: number; failures: number }> {
  const event = tbotEvent();
  const until = performance.now() + seconds * 1000;
  let done = 0;
  let failures = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      try {
        await call(client, SUBMIT_TBOT_EVENT_PATH, event);
        done += 1;
      } catch {
        failures += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  return { rate: done / ((performance.now() - started) / 1000), failures };
}

const plainDir = join(scratch, 'plain');
const tlsDir = join(scratch, 'tls');
execFileSync(process.execPath, [COLLECTOR_BUNDLE, 'tenant', 'add', 'bench', '--data-dir', tlsDir, '--out', join(scratch, 'bench-tenant')]);
const plain = await startCollector(plainDir);
const secure = await startCollector(tlsDir, ['--tls']);
const tenant: ClientTls = {
  ca: await readFile(join(tlsDir, 'tls', 'ca.crt'), 'utf8'),
  cert: await readFile(join(scratch, 'bench-tenant', 'bench.crt'), 'utf8'),
  key: await readFile(join(scratch, 'bench-tenant', 'bench.key'), 'utf8'),
};
const h1Json: Cell = { protocol: 'connect', binary: false, http: '1.1' };
const h2Json: Cell = { protocol: 'connect', binary: false, http: '2' };
const h2Grpc: Cell = { protocol: 'grpc', binary: true, http: '2' };
// One transport per candidate for the whole run, as a long-lived sender keeps its connections.
const plainClient = transport(plain.url, h1Json);
const connectTls = transport(secure.url, h2Json, tenant);
const grpcTls = transport(secure.url, h2Grpc, tenant);
const candidates: Candidate[] = [
  { name: 'plain HTTP/1.1, Connect JSON', client: () => plainClient },
  { name: 'mutual TLS + h2, Connect JSON', client: () => connectTls },
  { name: 'mutual TLS + h2, gRPC binary', client: () => grpcTls },
];
const results = new Map(candidates.map((candidate) => [candidate.name, [] as number[]]));
let failures = 0;
try {
  for (const candidate of candidates) await drive(candidate.client()); // warm-up: connections, JIT
  for (let round = 0; round < rounds; round += 1) {
    for (const candidate of candidates) {
      const result = await drive(candidate.client());
      results.get(candidate.name)!.push(result.rate);
      failures += result.failures;
    }
  }
} finally {
  await plain.stop();
  await secure.stop();
  await rm(scratch, { recursive: true, force: true });
}
const rate = (name: string): number => median(results.get(name)!);
console.log(
  `collector TLS + HTTP/2 vs plain HTTP/1.1, one paired run: ${rounds} rounds × ${candidates.length} candidates × ${seconds} s, ${IN_FLIGHT} calls in flight (medians); load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
for (const candidate of candidates)
  console.log(
    `  ${candidate.name.padEnd(34)} ${rate(candidate.name).toFixed(0).padStart(7)} calls/s   ÷ plain HTTP/1.1 ${(rate(candidate.name) / rate(candidates[0]!.name)).toFixed(2)}`,
  );
console.log(`  failed calls: ${failures}`);
