/** Side-by-side process timing: candidates run round-robin so machine noise hits them all alike. */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Candidate {
  name: string;
  command: string;
  args: string[];
  /** The child's whole environment, or one per round (e.g. a fresh cache directory each time). */
  env?: Record<string, string> | ((round: number) => Record<string, string>);
  cwd?: string;
}

export function runOnce(candidate: Candidate, round = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env = typeof candidate.env === 'function' ? candidate.env(round) : candidate.env;
    const child = spawn(candidate.command, candidate.args, { cwd: candidate.cwd, env: env ?? { PATH: process.env['PATH'] ?? '' }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${candidate.name} exited ${code}`))));
  });
}

export async function measure(candidates: readonly Candidate[], runs: number, warmup = 2): Promise<Map<string, number[]>> {
  const times = new Map(candidates.map((candidate) => [candidate.name, [] as number[]]));
  for (let round = 0; round < runs + warmup; round += 1) {
    for (const candidate of candidates) {
      const ms = await runOnce(candidate, round);
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

/** This shell's environment (e.g. NODE_EXTRA_CA_CERTS), and a clean one holding only PATH. */
export const ENVS = {
  machine: Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  clean: { PATH: process.env['PATH'] ?? '' },
};
export type EnvName = keyof typeof ENVS;
export const ENV_NAMES = Object.keys(ENVS) as EnvName[];

export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

export function runsFromEnv(fallback: number): number {
  const value = Number(process.env['BENCH_RUNS']);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Calls `onLine` with each whole line a child writes to `stream` (a trailing partial line waits for the rest). */
export function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux). Work per
 * CPU-second is what a loaded machine changes least: a rate shares the cores with everyone else.
 */
export function cpuSecondsOf(pid: number): number {
  return cpuSecondsIn(`/proc/${pid}/stat`);
}

/** CPU seconds of a process's main thread alone (its JavaScript thread), without its workers and libuv's pool. */
export function mainThreadCpuSecondsOf(pid: number): number {
  return cpuSecondsIn(`/proc/${pid}/task/${pid}/stat`);
}

/**
 * CPU seconds of a process's threads that run at niceness `nice` (the collector's ship worker
 * lowers its own thread's priority to 10, and nothing else in it does): one thread's share, found
 * without knowing its id.
 */
export function nicedThreadsCpuSecondsOf(pid: number, nice: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let fields: string[];
    try {
      fields = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    } catch {
      continue; // ended since the listing
    }
    // Field 19, the niceness, is the 17th after the state.
    if (Number(fields[16]) === nice) total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  }
  return total;
}

function cpuSecondsIn(statFile: string): number {
  // Fields after the command's closing parenthesis start at the state (field 3); utime and stime are fields 14 and 15.
  const fields = readFileSync(statFile, 'utf8').split(') ').at(-1)!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * CPU seconds of a process and all its descendants, the ones still running and the ones already
 * reaped (cutime, cstime): a server made of several processes, such as PostgreSQL's postmaster and
 * its backends, charged as one.
 */
export function cpuSecondsOfTree(pid: number): number {
  const children = new Map<number, number[]>();
  const own = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fields: string[];
    try {
      fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    } catch {
      continue; // gone since the listing
    }
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    own.set(Number(entry), (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS);
  }
  let total = 0;
  for (const pending = [pid]; pending.length > 0; ) {
    const next = pending.pop()!;
    total += own.get(next) ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return total;
}
