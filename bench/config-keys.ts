/**
 * Issue 18 item 9: a config with tens of thousands of unknown keys must cost time in proportion to
 * its size. The built agent loads configs of 6k and 60k unknown keys, at the top level (refused)
 * and inside an output (loaded with warnings), round-robin beside a config with none. The work a
 * key adds is the time above that baseline; 10× the keys should cost about 10× that, not 100×.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median } from './measure.js';

const TBOT = fileURLToPath(new URL('../dist/tbot.cjs', import.meta.url));
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const OUTPUT = 'outputs:\n  - type: identity\n    destination: {type: memory}\n';

function config(keys: number, where: 'top' | 'output'): string {
  const lines = Array.from({ length: keys }, (_, index) => (where === 'top' ? `k${index}: 1\n` : `    k${index}: 1\n`)).join('');
  return where === 'top' ? `version: v2\n${lines}${OUTPUT}` : `version: v2\n${OUTPUT}${lines}`;
}

/** Wall time of one `analytics preview` (it loads the config as `start` does, and writes nothing); refusals count too. */
function timeLoad(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [TBOT, 'analytics', 'preview', '--format', 'json', '-c', file], { env: { PATH: process.env['PATH'] ?? '' }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - started));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'bench-config-keys-'));
try {
  const files = new Map<string, string>();
  const add = (name: string, text: string): void => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, text);
    files.set(name, path);
  };
  add('none', config(0, 'top'));
  for (const where of ['top', 'output'] as const) for (const keys of [6_000, 60_000]) add(`${where}-${keys / 1000}k`, config(keys, where));

  const times = new Map([...files.keys()].map((name) => [name, [] as number[]]));
  for (let round = 0; round < RUNS + 1; round += 1) {
    for (const [name, path] of files) {
      const ms = await timeLoad(path);
      if (round > 0) times.get(name)?.push(ms);
    }
  }
  const at = (name: string): number => median(times.get(name) ?? []);
  console.log(
    `load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}; ${RUNS} runs each (medians)`,
  );
  console.log(`no unknown keys (baseline): ${fmt(at('none'))}`);
  for (const where of ['top', 'output'] as const) {
    const small = at(`${where}-6k`);
    const large = at(`${where}-60k`);
    const added = (large - at('none')) / (small - at('none'));
    console.log(
      `${where === 'top' ? 'top level (refused)   ' : 'inside an output (ok) '}: 6k ${fmt(small)}, 60k ${fmt(large)}; ` +
        `60k ÷ 6k ${(large / small).toFixed(2)}×, time above the baseline ${added.toFixed(2)}× (linear: 10×)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
