/** Side-by-side process timing: candidates run round-robin so machine noise hits them all alike. */
import { spawn } from 'node:child_process';

export interface Candidate {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export function runOnce(candidate: Candidate): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(candidate.command, candidate.args, { cwd: candidate.cwd, env: candidate.env ?? { PATH: process.env['PATH'] ?? '' }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${candidate.name} exited ${code}`))));
  });
}

export async function measure(candidates: readonly Candidate[], runs: number, warmup = 2): Promise<Map<string, number[]>> {
  const times = new Map(candidates.map((candidate) => [candidate.name, [] as number[]]));
  for (let round = 0; round < runs + warmup; round += 1) {
    for (const candidate of candidates) {
      const ms = await runOnce(candidate);
      if (round >= warmup) times.get(candidate.name)!.push(ms);
    }
  }
  return times;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function fmt(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

export function runsFromEnv(fallback: number): number {
  const value = Number(process.env['BENCH_RUNS']);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
