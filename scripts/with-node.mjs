#!/usr/bin/env node
// Runs a command under another Node major, e.g. `node scripts/with-node.mjs 24 -- npm test`.
// The binary comes from the npm registry's `node-<platform>-<arch>` package (the one the `node`
// package installs), fetched on demand into node_modules/.cache/node-<version> rather than listed
// as a devDependency: each is ~190 MB unpacked, every `npm ci` would pay for it, and a
// platform-specific devDependency breaks `npm ci` on any other platform. `npm ci` wipes
// node_modules, but npm's own cache keeps the tarball, so the next fetch does not download.
// The command runs with that binary's directory first on PATH, so `node` in npm scripts, the
// `#!/usr/bin/env node` of npm itself, and every `process.execPath` the tests spawn are that Node.
// Node built-ins only: this must work before anything else is known to.
import { spawnSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const USAGE = 'usage: node scripts/with-node.mjs <major | major.minor.patch> -- <command> [args...]';

export class WithNodeError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'WithNodeError';
  }
}

/**
 * @param {readonly string[]} argv  the arguments after the script
 * @returns {{ version: string, command: string[] }}
 */
export function parseArgs(argv) {
  const [version, separator, ...command] = argv;
  if (version === undefined || !/^\d+(?:\.\d+\.\d+)?$/.test(version))
    throw new WithNodeError(`${USAGE}\n  expected a Node version such as 22 or 24.11.0, got ${JSON.stringify(version ?? '')}`);
  if (separator !== '--' || command.length === 0) throw new WithNodeError(`${USAGE}\n  expected -- and then the command to run`);
  return { version, command };
}

/** The registry package holding the Node binary for this machine, named as the `node` package names it. */
export function binaryPackage(platform = process.platform, arch = process.arch) {
  return `node-${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/** Does `node --version` output (`v24.11.0`) satisfy the requested major or exact version? */
export function versionMatches(requested, reported) {
  const actual = reported.trim().replace(/^v/, '');
  return requested.includes('.') ? actual === requested : actual.split('.')[0] === requested;
}

/** @param {string} path */
function reportedVersion(path) {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return undefined;
  }
  const result = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** npm as the caller ran it (npm run sets npm_execpath), else npm from PATH. */
function npmCommand(env = process.env) {
  const execpath = env['npm_execpath'];
  return execpath?.endsWith('.js') ? [process.execPath, execpath] : ['npm'];
}

/**
 * The path of a Node binary of `version`, installing it into `cacheRoot` first if it is not there.
 * @param {string} version
 * @param {{ cacheRoot: string, log: (line: string) => void }} options
 */
export function ensureNode(version, { cacheRoot, log }) {
  const pkg = binaryPackage();
  const home = join(cacheRoot, `node-${version}`);
  const binary = (dir) => join(dir, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  const cached = reportedVersion(binary(home));
  if (cached !== undefined && versionMatches(version, cached)) return binary(home);

  // Installed beside the final place and renamed in, so an interrupted fetch or a second run at the
  // same time never leaves a half-unpacked binary where the next run would trust it.
  mkdirSync(cacheRoot, { recursive: true });
  const staging = `${home}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  log(`with-node: fetching ${pkg}@${version} from the npm registry into ${home}`);
  const [npm, ...npmArgs] = npmCommand();
  const installed = spawnSync(
    npm,
    [...npmArgs, 'install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', `${pkg}@${version}`],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const fetched = reportedVersion(binary(staging));
  if (installed.status !== 0 || fetched === undefined || !versionMatches(version, fetched)) {
    rmSync(staging, { recursive: true, force: true });
    const reason =
      installed.status !== 0 ? (installed.stderr.trim().split('\n').at(-1) ?? `npm exited ${installed.status}`) : `the package's binary reports ${fetched ?? 'nothing'}`;
    throw new WithNodeError(`with-node: could not install ${pkg}@${version}: ${reason}`);
  }
  rmSync(home, { recursive: true, force: true });
  try {
    renameSync(staging, home);
  } catch (error) {
    // Another run renamed its copy in first; theirs is as good as ours.
    rmSync(staging, { recursive: true, force: true });
    if (reportedVersion(binary(home)) === undefined) throw error;
  }
  return binary(home);
}

/**
 * Runs `command` with `nodeBinary`'s directory first on PATH; resolves to the exit code, or the
 * signal that ended it.
 * @param {string} nodeBinary
 * @param {string[]} command
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null }>}
 */
export function runWith(nodeBinary, command, env = process.env) {
  const [file, ...args] = command;
  const child = spawn(/** @type {string} */ (file), args, { stdio: 'inherit', env: { ...env, PATH: `${dirname(nodeBinary)}${delimiter}${env['PATH'] ?? ''}` } });
  // A signal sent to this process alone (not the terminal's process group) must still reach the suite.
  const forward = (/** @type {NodeJS.Signals} */ signal) => child.kill(signal);
  const signals = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP']);
  for (const signal of signals) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const name of signals) process.off(name, forward);
      resolve({ code, signal });
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { version, command } = parseArgs(process.argv.slice(2));
    const root = dirname(dirname(fileURLToPath(import.meta.url)));
    const nodeBinary = ensureNode(version, { cacheRoot: join(root, 'node_modules', '.cache'), log: (line) => process.stderr.write(`${line}\n`) });
    process.stderr.write(`with-node: running ${command.join(' ')} under Node ${reportedVersion(nodeBinary)} (${nodeBinary})\n`);
    const { code, signal } = await runWith(nodeBinary, command);
    if (signal !== null) process.kill(process.pid, signal);
    process.exitCode = code ?? 1;
  } catch (error) {
    process.stderr.write(`${error instanceof WithNodeError ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
