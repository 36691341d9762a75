// Runs every benchmark in turn. They print ratios measured side by side; none of them asserts.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
// Modules the benchmarks share, not benchmarks themselves.
const SHARED = new Set(['measure.ts', 'sample-events.ts', 'usage-store.ts']);
for (const file of readdirSync(dir)
  .filter((name) => name.endsWith('.ts') && !SHARED.has(name))
  .sort()) {
  if (only.length > 0 && !only.some((name) => file.startsWith(name))) continue;
  console.log(`\n== bench/${file}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) process.exitCode = 1;
}
