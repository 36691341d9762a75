/**
 * Node's compile cache in the built CLIs: on Node ≥ 22.1 under $XDG_CACHE_HOME/tbot (0700), on
 * Node 20 nothing at all, and never a word or a failure when the place is unusable. The suite runs
 * under each Node (npm test, test:node22, test:node24), so each branch is checked on its own Node.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCollector } from '../helpers/collector-process.js';
import { cleanEnv, runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const [MAJOR = 0, MINOR = 0] = process.versions.node.split('.').map(Number);
const HAS_COMPILE_CACHE = MAJOR > 22 || (MAJOR === 22 && MINOR >= 1);

describe(`compile cache on Node ${process.version}`, () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-compile-cache-e2e-');
  });
  after(() => workspace.remove());

  /** Node's own directory for this Node version inside ours, e.g. v22.23.3-x64-9ac5647c-0. */
  const versionDirs = (xdg: string): string[] => readdirSync(join(xdg, 'tbot', 'node-compile-cache')).filter((name) => name.startsWith(`${process.version}-`));

  it(HAS_COMPILE_CACHE ? 'tbot and tbot-collector turn the cache on in $XDG_CACHE_HOME/tbot, 0700' : 'tbot and tbot-collector create no compile cache directory', async () => {
    const agentCache = join(workspace.dir, 'agent-cache');
    // A command that loads the CLI: `version` is answered from the build's records (stored-answers.ts).
    const agent = await runTbot(['analytics', 'status'], { cwd: workspace.dir, env: cleanEnv({ XDG_CACHE_HOME: agentCache }) });
    assert.deepEqual([agent.code, agent.stderr], [0, '']);
    assert.match(agent.stdout, /^Anonymous analytics: disabled\n/);
    const collectorCache = join(workspace.dir, 'collector-cache');
    const collector = await runCollector(['report', '--data-dir', join(workspace.dir, 'no-data'), '--format', 'json'], { XDG_CACHE_HOME: collectorCache });
    assert.equal(collector.code, 0, collector.stderr);
    for (const xdg of [agentCache, collectorCache]) {
      if (!HAS_COMPILE_CACHE) {
        // (The agent's launcher keeps its own V8 code cache there on Node 20: code-cache.test.ts.)
        assert.equal(existsSync(join(xdg, 'tbot', 'node-compile-cache')), false, xdg);
        continue;
      }
      assert.equal(statSync(join(xdg, 'tbot')).mode & 0o777, 0o700, xdg);
      assert.equal(versionDirs(xdg).length, 1, xdg);
    }
  });

  it('an unusable cache location changes nothing the user sees', async () => {
    const aFile = join(workspace.dir, 'a-file');
    await writeFile(aFile, '');
    const shared = join(workspace.dir, 'shared');
    await mkdir(join(shared, 'tbot'), { recursive: true, mode: 0o777 });
    // Under /proc, Node 22 and 24 spin forever if asked to create the directory themselves.
    for (const xdg of [aFile, '/proc/tbot-compile-cache-test', shared]) {
      const run = await runTbot(['analytics', 'status'], { cwd: workspace.dir, env: cleanEnv({ XDG_CACHE_HOME: xdg }), timeoutMs: 10_000 });
      assert.deepEqual([run.code, run.stderr], [0, ''], xdg);
      assert.match(run.stdout, /^Anonymous analytics: disabled\n/, xdg);
    }
    assert.deepEqual(readdirSync(join(shared, 'tbot')), []);
  });

  // sudo that keeps the user's HOME (sudo -E, older sudoers): root must not leave root-owned,
  // 0700 ~/.cache or ~/.cache/tbot behind, which the user could then neither write nor remove.
  it("run as root with another user's home, makes no directory in it, and the run is as ever", {
    skip: process.getuid?.() !== 0 && 'needs root, to give a directory to another user',
  }, async () => {
    const home = join(workspace.dir, 'someone-else');
    const withCache = join(workspace.dir, 'someone-else-with-cache');
    await mkdir(home);
    await mkdir(join(withCache, '.cache'), { recursive: true });
    for (const dir of [home, withCache, join(withCache, '.cache')]) await chown(dir, 65534, 65534);
    for (const [env, dir] of [
      [{ HOME: home }, home],
      [{ HOME: withCache }, join(withCache, '.cache')],
      [{ XDG_CACHE_HOME: home }, home],
    ] as const) {
      const before = readdirSync(dir);
      const agent = await runTbot(['analytics', 'status'], { cwd: workspace.dir, env: cleanEnv(env), timeoutMs: 10_000 });
      assert.deepEqual([agent.code, agent.stderr], [0, ''], JSON.stringify(env));
      assert.match(agent.stdout, /^Anonymous analytics: disabled\n/);
      const collector = await runCollector(['report', '--data-dir', join(workspace.dir, 'no-data'), '--format', 'json'], env);
      assert.equal(collector.code, 0, collector.stderr);
      assert.deepEqual(readdirSync(dir), before, `nothing made in ${dir} (${JSON.stringify(env)})`);
    }
    // Positive control: the same run makes its cache where the parent is root's own.
    const own = join(workspace.dir, 'root-own');
    await mkdir(own);
    assert.equal((await runTbot(['analytics', 'status'], { cwd: workspace.dir, env: cleanEnv({ HOME: own }), timeoutMs: 10_000 })).code, 0);
    assert.deepEqual(readdirSync(own), ['.cache']);
  });

  it(HAS_COMPILE_CACHE ? 'a module imported after the call is cached (0600) and read back on the next run' : 'a module imported after the call is not cached', async () => {
    const payload = join(workspace.dir, 'payload.mjs');
    await writeFile(payload, 'export const doubled = [1, 2, 3].map((n) => n * 2);\n');
    const entry = join(workspace.dir, 'entry.mts');
    const module = pathToFileURL(join(ROOT, 'src/cli-kit/compile-cache.ts')).href;
    await writeFile(
      entry,
      `import { enableCompileCache } from ${JSON.stringify(module)};\nconsole.log(String(enableCompileCache()));\nawait import(${JSON.stringify(pathToFileURL(payload).href)});\n`,
    );
    const xdg = join(workspace.dir, 'entry-cache');
    // NODE_DEBUG_NATIVE makes Node say on stderr whether it accepted the cache it read.
    const run = (): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, ['--import', 'tsx', entry], {
        cwd: ROOT,
        env: cleanEnv({ XDG_CACHE_HOME: xdg, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' }),
        encoding: 'utf8',
        timeout: 20_000,
      });
    const first = run();
    assert.equal(first.status, 0, String(first.stderr));
    if (!HAS_COMPILE_CACHE) {
      assert.equal(String(first.stdout), 'undefined\n');
      assert.equal(existsSync(xdg), false);
      return;
    }
    assert.equal(String(first.stdout), `${join(xdg, 'tbot', 'node-compile-cache')}\n`);
    const [versionDir] = versionDirs(xdg);
    const files = readdirSync(join(xdg, 'tbot', 'node-compile-cache', versionDir!));
    assert.ok(files.length >= 1, 'no cache file written');
    for (const file of files) assert.equal(statSync(join(xdg, 'tbot', 'node-compile-cache', versionDir!, file)).mode & 0o777, 0o600, file);
    const second = run();
    assert.equal(second.status, 0, String(second.stderr));
    assert.match(String(second.stderr), new RegExp(`${pathToFileURL(payload).href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\n]*was accepted`));
  });
});
