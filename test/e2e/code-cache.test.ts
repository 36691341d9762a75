/**
 * The launcher's V8 code cache (src/cli/launcher.ts, Node 20): written after a successful run,
 * 0600 files in 0700 directories under $XDG_CACHE_HOME/tbot; read back and kept as it is on the
 * next run; made again for the one chunk that changed, and for a cache V8 turns down; never a word
 * or a failure where it cannot be written. And the CLI prints the same bytes with a cache, without
 * one, and with none possible. On Node ≥ 22.1 the launcher leaves caching to Node and writes none.
 *
 * Each case runs a copy of the built agent (dist/tbot.cjs and dist/tbot/), so chunks can be changed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, chmod, cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, CONFIG_DIR, runTbot, TBOT_BUNDLE, type RunResult } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const [MAJOR = 0, MINOR = 0] = process.versions.node.split('.').map(Number);
const NODE_HAS_ITS_OWN = MAJOR > 22 || (MAJOR === 22 && MINOR >= 1);
const HEADER = 'tbot-v8-code-cache 2 ';
/** A command that loads chunks (help, --version and `version` are answered by the launcher alone). */
const STATUS = ['analytics', 'status'];
const STATUS_OUTPUT = /^Anonymous analytics: disabled\n/;

/** Commands whose output is the same on every run. */
const COMMANDS: { args: string[]; code: number }[] = [
  { args: ['version'], code: 0 },
  { args: ['--help'], code: 0 },
  { args: ['analytics', 'status'], code: 0 },
  { args: ['configure', 'database', '--destination', './db', '--service', 'pg', '--username', 'u', '--database', 'orders'], code: 0 },
  { args: ['start', '--bogus'], code: 2 },
];

describe(`the launcher's code cache on Node ${process.version}`, () => {
  let workspace: Workspace;
  let copies = 0;
  before(async () => {
    workspace = await makeWorkspace('tbot-code-cache-');
  });
  after(async () => {
    // An immutable directory left by a failed run would stop the clean-up.
    for (const name of await readdir(workspace.dir))
      if (name.startsWith('immutable-')) execFileSync('chattr', ['-i', join(workspace.dir, name, 'tbot', 'v8-code-cache')], { stdio: 'ignore' });
    await workspace.remove();
  });

  /** A fresh copy of the built agent; returns its launcher. */
  async function agentCopy(): Promise<string> {
    copies += 1;
    const dir = join(workspace.dir, `dist-${copies}`);
    await mkdir(dir);
    await cp(TBOT_BUNDLE, join(dir, 'tbot.cjs'));
    await cp(join(TBOT_BUNDLE, '..', 'tbot'), join(dir, 'tbot'), { recursive: true });
    return join(dir, 'tbot.cjs');
  }

  const run = (bundle: string, args: string[], xdg: string, nodeArgs: string[] = []): Promise<RunResult> =>
    runTbot(args, { bundle, cwd: workspace.dir, env: cleanEnv({ XDG_CACHE_HOME: xdg }), nodeArgs, timeoutMs: 20_000 });
  /** A header without its last field, the CRC of the V8 data: what the cache was made from. */
  const keyOf = (header: string): string => header.slice(0, header.lastIndexOf(' '));

  /** The one install directory under <xdg>/tbot/v8-code-cache, and its files with what identifies each write. */
  async function cacheFiles(xdg: string): Promise<{ dir: string; files: Map<string, { mode: number; ino: number; mtimeMs: number; header: string }> }> {
    const base = join(xdg, 'tbot', 'v8-code-cache');
    const installs = await readdir(base);
    assert.equal(installs.length, 1, `one install directory: ${installs.join(', ')}`);
    const dir = join(base, installs[0]!);
    const files = new Map<string, { mode: number; ino: number; mtimeMs: number; header: string }>();
    for (const name of await readdir(dir)) {
      const info = await stat(join(dir, name));
      const text = (await readFile(join(dir, name))).toString('latin1');
      files.set(name, { mode: info.mode & 0o777, ino: info.ino, mtimeMs: info.mtimeMs, header: text.slice(0, text.indexOf('\n')) });
    }
    return { dir, files };
  }

  if (NODE_HAS_ITS_OWN) {
    it('leaves caching to Node: no v8-code-cache directory', async () => {
      const xdg = join(workspace.dir, 'xdg-node');
      const result = await run(await agentCopy(), STATUS, xdg);
      assert.deepEqual([result.code, result.stderr], [0, '']);
      assert.match(result.stdout, STATUS_OUTPUT);
      await assert.rejects(stat(join(xdg, 'tbot', 'v8-code-cache')), { code: 'ENOENT' });
    });
    return;
  }

  it('writes 0600 files in 0700 directories after a successful run, one per chunk loaded, and nothing after a failed one', async () => {
    const bundle = await agentCopy();
    const failedXdg = join(workspace.dir, 'xdg-failed');
    assert.equal((await run(bundle, ['start', '--bogus'], failedXdg)).code, 2);
    await assert.rejects(stat(join(failedXdg, 'tbot')), { code: 'ENOENT' }, 'a failed run writes no cache');

    const xdg = join(workspace.dir, 'xdg-first');
    const first = await run(bundle, STATUS, xdg);
    assert.deepEqual([first.code, first.stderr], [0, '']);
    assert.match(first.stdout, STATUS_OUTPUT);
    const { dir, files } = await cacheFiles(xdg);
    for (const level of [join(xdg, 'tbot'), join(xdg, 'tbot', 'v8-code-cache'), dir]) assert.equal((await stat(level)).mode & 0o777, 0o700, level);
    const chunks = new Set(await readdir(join(bundle, '..', 'tbot')));
    assert.ok(files.has('main.js.v8'), 'the entry chunk is cached');
    assert.ok(
      [...files.keys()].some((name) => /^analytics-status-.*\.js\.v8$/.test(name)),
      "the command's chunk is cached",
    );
    assert.ok(
      ![...files.keys()].some((name) => name.startsWith('start-') || name.startsWith('yargs-main-') || name.startsWith('load-config-')),
      'chunks the command never loads are not',
    );
    for (const [name, file] of files) {
      assert.equal(file.mode, 0o600, name);
      assert.ok(chunks.has(name.slice(0, -'.v8'.length)), `${name} belongs to a chunk`);
      assert.ok(file.header.startsWith(`${HEADER}${process.version} ${process.arch} `), `${name}: ${file.header}`);
    }
  });

  it('is read back and left as it is on the next runs', async () => {
    const bundle = await agentCopy();
    const xdg = join(workspace.dir, 'xdg-reuse');
    // A command that loads the config machinery too: YAML, the validators.
    const status = ['analytics', 'status', '-c', join(CONFIG_DIR, 'minimal.yaml')];
    assert.equal((await run(bundle, status, xdg)).code, 0);
    const before = (await cacheFiles(xdg)).files;
    assert.ok(before.size > 5, `only ${before.size} chunks cached`);
    for (let index = 0; index < 2; index += 1) assert.equal((await run(bundle, status, xdg)).code, 0);
    // A cache V8 turned down, or one that could not be read, would have been written again.
    assert.deepEqual((await cacheFiles(xdg)).files, before);
  });

  it('makes again the cache of a chunk that changed, and of one V8 turns down, and only those', async () => {
    const bundle = await agentCopy();
    const xdg = join(workspace.dir, 'xdg-changed');
    assert.equal((await run(bundle, STATUS, xdg)).code, 0);
    const { dir, files: before } = await cacheFiles(xdg);
    const statusCache = [...before.keys()].find((name) => name.startsWith('analytics-status-'))!;

    // And another chunk's cache is one V8 turns down: sound, made from this very chunk (the same
    // key), but by a V8 with other flags (--jitless), which V8 checks and the key does not hold.
    const jitlessXdg = join(workspace.dir, 'xdg-jitless');
    assert.equal((await run(bundle, STATUS, jitlessXdg, ['--jitless'])).code, 0);
    const jitless = await cacheFiles(jitlessXdg);
    await cp(join(jitless.dir, statusCache), join(dir, statusCache));
    const turnedDown = await stat(join(dir, statusCache));
    assert.equal(keyOf(jitless.files.get(statusCache)!.header), keyOf(before.get(statusCache)!.header), 'the same key');
    // The bundle changes: main.js gains a comment (as a rebuild or an edit would change it).
    await appendFile(join(bundle, '..', 'tbot', 'main.js'), '\n// changed\n');

    const result = await run(bundle, STATUS, xdg);
    assert.deepEqual([result.code, result.stderr], [0, '']);
    assert.match(result.stdout, STATUS_OUTPUT);
    const after = (await cacheFiles(xdg)).files;
    assert.notEqual(keyOf(after.get('main.js.v8')!.header), keyOf(before.get('main.js.v8')!.header), 'the changed chunk has a cache under its new key');
    assert.notEqual(after.get(statusCache)!.ino, turnedDown.ino, 'the cache V8 turned down was written again');
    assert.equal(keyOf(after.get(statusCache)!.header), keyOf(before.get(statusCache)!.header));
    assert.notEqual(after.get(statusCache)!.header, jitless.files.get(statusCache)!.header, 'V8 data made anew');
    for (const [name, file] of before) {
      if (name === 'main.js.v8' || name === statusCache) continue;
      assert.deepEqual(after.get(name), file, `${name} was left as it was`);
    }
    // And the rewritten ones are now read back and kept.
    assert.equal((await run(bundle, STATUS, xdg)).code, 0);
    assert.deepEqual((await cacheFiles(xdg)).files, after);
  });

  it("turns down a cache whose V8 data was damaged past V8's own header (V8 checks no checksum there: it would crash or run other code), and makes it again", async () => {
    const bundle = await agentCopy();
    const xdg = join(workspace.dir, 'xdg-damaged');
    assert.equal((await run(bundle, STATUS, xdg)).code, 0);
    const { dir, files: before } = await cacheFiles(xdg);
    // Bytes flipped all through each file's V8 data, its length and every header left as they were.
    for (const name of before.keys()) {
      const bytes = await readFile(join(dir, name));
      for (let index = bytes.indexOf(0x0a) + 100; index < bytes.length; index += 512) bytes[index] = bytes[index]! ^ 0x55;
      await writeFile(join(dir, name), bytes, { mode: 0o600 });
    }
    const damaged = (await cacheFiles(xdg)).files;
    for (let index = 0; index < 2; index += 1) {
      const result = await run(bundle, STATUS, xdg);
      assert.deepEqual([result.signal, result.code, result.stderr], [null, 0, ''], `run ${index + 1}`);
      assert.match(result.stdout, STATUS_OUTPUT);
    }
    const after = (await cacheFiles(xdg)).files;
    for (const [name, file] of damaged) assert.notEqual(after.get(name)?.ino, file.ino, `${name} was made again`);
  });

  it('is skipped without a word where it cannot be written: a read-only directory, a file, /proc, a directory others can write', async () => {
    const bundle = await agentCopy();
    const readOnly = join(workspace.dir, 'immutable-xdg');
    await mkdir(join(readOnly, 'tbot', 'v8-code-cache'), { recursive: true, mode: 0o700 });
    const cacheDir = join(readOnly, 'tbot', 'v8-code-cache');
    // root writes into any directory whatever its mode; an immutable one stops it too.
    if (process.getuid?.() === 0) execFileSync('chattr', ['+i', cacheDir]);
    else await chmod(cacheDir, 0o500);
    const aFile = join(workspace.dir, 'a-file');
    await writeFile(aFile, '');
    const shared = join(workspace.dir, 'shared');
    await mkdir(join(shared, 'tbot'), { recursive: true });
    await chmod(join(shared, 'tbot'), 0o777);
    for (const xdg of [readOnly, aFile, '/proc/tbot-code-cache-test', shared]) {
      const result = await run(bundle, STATUS, xdg);
      assert.deepEqual([result.signal, result.code, result.stderr], [null, 0, ''], xdg);
      assert.match(result.stdout, STATUS_OUTPUT, xdg);
    }
    assert.deepEqual(await readdir(cacheDir), [], 'nothing was written into the read-only directory');
    assert.deepEqual(await readdir(join(shared, 'tbot')), [], 'nothing was written where others can write');
    if (process.getuid?.() === 0) execFileSync('chattr', ['-i', cacheDir]);
  });

  it('prints the same bytes and exit codes with no cache, with one, and with none possible', async () => {
    const bundle = await agentCopy();
    const xdg = join(workspace.dir, 'xdg-same');
    for (const command of COMMANDS) {
      const fresh = await run(bundle, command.args, xdg);
      const cached = await run(bundle, command.args, xdg);
      const none = await run(bundle, command.args, '/proc/tbot-code-cache-test');
      assert.equal(fresh.code, command.code, `${command.args.join(' ')}: ${fresh.stderr}`);
      for (const other of [cached, none]) assert.deepEqual([other.code, other.stdout, other.stderr], [fresh.code, fresh.stdout, fresh.stderr], command.args.join(' '));
    }
    assert.ok((await cacheFiles(xdg)).files.size > 5, 'the runs were cached (positive control)');
  });
});
