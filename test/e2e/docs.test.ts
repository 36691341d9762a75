/**
 * The docs, held to the built CLIs: every block marked `sh doctest` in README.md and docs/*.md runs
 * in a fresh directory per page (blocks of one page share it, in order), with `tbot` and
 * `tbot-collector` on PATH as shims to dist/, and must exit as marked and print what its output
 * block shows. Every relative link and #anchor between the pages must lead somewhere.
 * The conventions are in test/helpers/doc-blocks.ts and docs/development.md.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { anchors, docBlocks, matchOutput, normalizeOutput, relativeLinks, type DocBlock } from '../helpers/doc-blocks.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const BLOCK_TIMEOUT_MS = 20_000;

const pageText = (page: string): string => readFileSync(join(ROOT, page), 'utf8');

interface Shell {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** One block under bash (-e, pipefail), stderr into stdout, in a process group of its own so all it started can be stopped. */
function startShell(script: string, cwd: string, env: Record<string, string>): Shell {
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', `exec 2>&1\n${script}`], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));
  return { child, output: () => output, exited };
}

function stopGroup(shell: Shell): Promise<unknown> {
  const pid = shell.child.pid;
  if (pid === undefined) return Promise.resolve();
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return Promise.resolve(); // the group is gone already
  }
  const hard = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }, 5_000);
  return shell.exited.finally(() => clearTimeout(hard));
}

/** `promise`, or a failure saying what did not happen within BLOCK_TIMEOUT_MS, with the output so far. */
function withTimeout<T>(promise: Promise<T>, what: string, output: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${BLOCK_TIMEOUT_MS} ms; output so far:\n${output()}`)), BLOCK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The loopback port a page's text names (e.g. 8787) and the one the test really uses. */
interface PortMap {
  documented: string;
  real: string;
}

const toReal = (script: string, ports: PortMap[]): string => ports.reduce((text, port) => text.replaceAll(`127.0.0.1:${port.documented}`, `127.0.0.1:${port.real}`), script);
const toDocumented = (output: string, ports: PortMap[]): string => ports.reduce((text, port) => text.replaceAll(`127.0.0.1:${port.real}`, `127.0.0.1:${port.documented}`), output);

let shimDir = '';

before(async () => {
  assert.ok(existsSync(join(DIST, 'tbot.cjs')) && existsSync(join(DIST, 'tbot-collector.mjs')), 'build first: node build.mjs');
  shimDir = await mkdtemp(join(tmpdir(), 'docs-shims-'));
  for (const [name, bundle] of [
    ['tbot', 'tbot.cjs'],
    ['tbot-collector', 'tbot-collector.mjs'],
  ] as const) {
    await writeFile(join(shimDir, name), `#!/bin/sh\nexec '${process.execPath}' '${join(DIST, bundle)}' "$@"\n`);
    await chmod(join(shimDir, name), 0o755);
  }
});

after(() => rm(shimDir, { recursive: true, force: true }));

const runnable = PAGES.map((page) => ({ page, blocks: docBlocks(page, pageText(page)) })).filter(({ blocks }) => blocks.some((block) => block.kind === 'run'));

// Pages run side by side (each in its own directory, on ports of its own); a page's blocks run in order.
describe('docs: the marked blocks run as shown', { concurrency: 4 }, () => {
  it('the docs mark their commands as runnable (at least 20 blocks, on at least 6 pages)', () => {
    const blocks = runnable.flatMap(({ blocks }) => blocks.filter((block) => block.kind === 'run'));
    assert.ok(blocks.length >= 20, `only ${blocks.length} runnable blocks`);
    assert.ok(runnable.length >= 6, `only ${runnable.length} pages with runnable blocks: ${runnable.map(({ page }) => page).join(', ')}`);
  });

  for (const { page, blocks } of runnable) {
    describe(page, { concurrency: 1 }, () => {
      let root = '';
      let work = '';
      let env: Record<string, string> = {};
      const ports: PortMap[] = [];
      const servers: Shell[] = [];
      /** Set when a server of the page did not come up: the blocks after it would talk to the page's documented port. */
      let broken: string | undefined;

      before(async () => {
        root = await mkdtemp(join(tmpdir(), 'docs-run-'));
        work = join(root, 'work');
        await mkdir(join(root, 'home'), { recursive: true });
        // Each page starts with the example configs, as a checkout does.
        await cp(join(ROOT, 'config'), join(work, 'config'), { recursive: true });
        env = {
          PATH: [shimDir, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'].join(':'),
          HOME: join(root, 'home'),
          LANG: 'C.UTF-8',
          TZ: 'UTC',
        };
      });

      after(async () => {
        await Promise.all(servers.map(stopGroup));
        await rm(root, { recursive: true, force: true });
      });

      for (const block of blocks) it(describeBlock(page, block), () => runOne(block));

      async function runOne(block: DocBlock): Promise<void> {
        if (block.kind === 'file') {
          await mkdir(dirname(join(work, block.name)), { recursive: true });
          await writeFile(join(work, block.name), block.text);
          return;
        }
        const where = `${page}:${block.line}`;
        if (broken !== undefined) assert.fail(`${where}: not run, since the server at ${broken} did not start`);
        if (block.serve) {
          const documented = /127\.0\.0\.1:(\d+)/.exec(block.script)?.[1];
          const shell = startShell(toReal(block.script.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:0'), ports), work, env);
          servers.push(shell);
          broken = where;
          const match = await withTimeout(
            new Promise<RegExpExecArray>((resolveMatch, reject) => {
              const check = (): void => {
                const found = matchOutput(block.expected, shell.output(), work);
                if (found !== null) resolveMatch(found);
              };
              shell.child.stdout?.on('data', check);
              shell.exited.then((code) => reject(new Error(`${where}: the server exited (${code}) before printing what the page shows:\n${shell.output()}`)));
            }),
            `${where}: the server did not print what the page shows`,
            shell.output,
          );
          const real = match.groups?.['port'];
          assert.ok(documented === undefined || real !== undefined, `${where}: a server on 127.0.0.1:${documented} needs {{port}} in its output block`);
          if (documented !== undefined && real !== undefined) ports.push({ documented, real });
          broken = undefined;
          return;
        }
        const shell = startShell(toReal(block.script, ports), work, env);
        const code = await withTimeout(shell.exited, `${where}: the block did not finish`, shell.output).catch(async (error: unknown) => {
          await stopGroup(shell); // a block that hangs leaves nothing running behind it
          throw error;
        });
        const output = toDocumented(shell.output(), ports);
        assert.equal(code, block.exit, `${where}: exit code ${code}, the page says ${block.exit}; output:\n${output}`);
        if (matchOutput(block.expected, output, work) === null) {
          assert.fail(`${where}: the output differs from the page's\n--- page\n${normalizeOutput(block.expected)}\n--- real run (in ${work})\n${normalizeOutput(output)}`);
        }
      }
    });
  }
});

function describeBlock(page: string, block: DocBlock): string {
  if (block.kind === 'file') return `${page}:${block.line} writes ${block.name}`;
  const first = block.script.split('\n').find((line) => line.trim() !== '' && !line.startsWith('#')) ?? '';
  return `${page}:${block.line} ${first.length > 80 ? `${first.slice(0, 77)}...` : first}${block.serve ? ' (serving)' : ''}`;
}

describe('docs: the release tarball the pages name is the one npm pack makes', () => {
  it('tbot-analytics-<version>.tgz follows package.json', () => {
    const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    const named = new Set(PAGES.flatMap((page) => [...pageText(page).matchAll(/\btbot-analytics-[\w.-]+?\.tgz\b/g)].map((match) => match[0])));
    assert.ok(named.size > 0, 'the CI and host pages name the tarball');
    assert.deepEqual([...named], [`${name}-${version}.tgz`]);
  });
});

describe('docs: every relative link and anchor leads somewhere', () => {
  for (const page of PAGES) {
    it(page, () => {
      const problems: string[] = [];
      for (const link of relativeLinks(pageText(page))) {
        const [path = '', anchor] = link.target.split('#', 2);
        const target = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), decodeURIComponent(path));
        if (relative(ROOT, target).startsWith('..')) problems.push(`${page}:${link.line}: ${link.target} leaves the repository`);
        else if (!existsSync(target)) problems.push(`${page}:${link.line}: ${link.target}: no such file`);
        else if (anchor !== undefined) {
          if (!target.endsWith('.md') || statSync(target).isDirectory()) problems.push(`${page}:${link.line}: ${link.target}: an anchor into a file that is not a page`);
          else if (!anchors(readFileSync(target, 'utf8')).has(anchor)) problems.push(`${page}:${link.line}: ${link.target}: no heading with that anchor`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }
});
