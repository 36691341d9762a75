#!/usr/bin/env node
// `npm test`'s pretest step: make sure the programs the tests drive are installed, the way
// Playwright projects run `playwright install --with-deps` first. Each tool is found on the
// machine (an env var naming it, then PATH, then known places); one that is missing is installed
// from Debian's packages when apt-get can be used (as root), and otherwise the run stops with one
// line saying what to install. Nothing is ever skipped silently. Node built-ins only: this runs
// before anything else is known to work.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {object} TestTool
 * @property {string} name        what the tool is called in messages
 * @property {string} why         which tests need it
 * @property {string} [env]       an env var that may name the binary (checked first)
 * @property {string[]} commands  names to look for on PATH, in order
 * @property {string[]} [paths]   absolute places to look too (e.g. /usr/sbin, often not on PATH)
 * @property {string} debianPackage the package that provides it
 */

/**
 * Debian keeps PostgreSQL's server programs (initdb, postgres, pg_ctl) off PATH, under
 * /usr/lib/postgresql/<major>/bin: the newest major's, when there are several.
 * @returns {string[]}
 */
function postgresBinDirs() {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
      .map((major) => `/usr/lib/postgresql/${major}/bin`);
  } catch {
    return [];
  }
}

/** @type {TestTool[]} Add a tool here, and its tests read its path through findTool. */
export const TEST_TOOLS = [
  {
    name: 'chromium',
    why: 'the HTML report test renders the page in headless Chromium',
    env: 'CHROME_PATH',
    commands: ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'],
    debianPackage: 'chromium',
  },
  {
    name: 'sshd',
    why: "the SSH login test has a real OpenSSH server accept the agent's certificates",
    commands: ['sshd'],
    paths: ['/usr/sbin/sshd'],
    debianPackage: 'openssh-server',
  },
  {
    name: 'script',
    why: "the example apps' consent test answers the question on a real terminal (util-linux script gives it a pty)",
    commands: ['script'],
    debianPackage: 'bsdutils',
  },
  {
    name: 'curl',
    why: 'the docs test runs the curl commands the docs show against the collector and the diagnostics listener',
    commands: ['curl'],
    debianPackage: 'curl',
  },
  {
    name: 'systemd-analyze',
    why: "the host docs test runs `systemd-analyze verify` on docs/host.md's unit",
    commands: ['systemd-analyze'],
    paths: ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'],
    debianPackage: 'systemd',
  },
  {
    name: 'initdb',
    why: 'the PostgreSQL store tests run a throw-away cluster (initdb, then postgres from the same directory)',
    env: 'TBOT_TEST_INITDB',
    commands: ['initdb'],
    paths: postgresBinDirs().map((dir) => `${dir}/initdb`),
    debianPackage: 'postgresql',
  },
  {
    name: 'haproxy',
    why: "the load-balancer test runs docs/postgres.md's HAProxy config in front of two collectors",
    commands: ['haproxy'],
    paths: ['/usr/sbin/haproxy'],
    debianPackage: 'haproxy',
  },
];

/** @param {string} path */
function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The tool's binary, or undefined when the machine has none.
 * @param {TestTool} tool
 * @param {Record<string, string | undefined>} [env]
 */
export function findTool(tool, env = process.env) {
  const named = tool.env === undefined ? undefined : env[tool.env];
  if (named !== undefined && named !== '') return isExecutable(named) ? named : undefined;
  const dirs = (env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const command of tool.commands) {
    for (const dir of dirs) if (isExecutable(join(dir, command))) return join(dir, command);
  }
  return (tool.paths ?? []).find(isExecutable);
}

/** @param {string} name */
export function testTool(name) {
  const tool = TEST_TOOLS.find((candidate) => candidate.name === name);
  if (tool === undefined) throw new Error(`no test tool named ${name} in scripts/provision-test-tools.mjs`);
  return tool;
}

/**
 * @typedef {object} ProvisionDeps
 * @property {Record<string, string | undefined>} env
 * @property {() => boolean} aptGetUsable
 * @property {(args: string[]) => string} aptGet  runs apt-get; '' on success, else its last error line
 * @property {(line: string) => void} log
 */

/** @type {ProvisionDeps} The real machine: apt-get works only as root (CI here runs as root). */
export const MACHINE = {
  env: process.env,
  aptGetUsable: () => process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0,
  aptGet: (args) => {
    const result = spawnSync('apt-get', args, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'pipe', 'pipe'] });
    return result.status === 0 ? '' : (`${result.stderr || result.stdout}`.trim().split('\n').at(-1) ?? `exit ${result.status}`);
  },
  log: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Finds every tool, installing the missing ones when it can. Returns the one line to fail with, or ''.
 * @param {TestTool[]} tools
 * @param {ProvisionDeps} deps
 */
export function provision(tools = TEST_TOOLS, deps = MACHINE) {
  const { env, aptGetUsable, aptGet, log } = deps;
  // A variable naming a binary is a decision someone made; installing something else would hide it.
  const misnamed = tools.find((tool) => tool.env !== undefined && (env[tool.env] ?? '') !== '' && findTool(tool, env) === undefined);
  if (misnamed !== undefined) return `npm test needs ${misnamed.name}: ${misnamed.env}=${env[misnamed.env ?? '']} is not an executable file; point it at the binary or unset it.`;
  const missing = tools.filter((tool) => findTool(tool, env) === undefined);
  if (missing.length === 0) return '';
  const packages = missing.map((tool) => tool.debianPackage);
  const advice = missing
    .map((tool) => `${tool.name} (${tool.why}; Debian package ${tool.debianPackage}${tool.env === undefined ? '' : `, or set ${tool.env} to its binary`})`)
    .join('; ');
  if (!aptGetUsable()) return `npm test needs ${advice}. Install it, e.g. sudo apt-get install ${packages.join(' ')}, then run npm test again.`;
  log(`provision-test-tools: installing ${packages.join(' ')} with apt-get (tests need ${missing.map((tool) => tool.name).join(', ')})`);
  const failure = aptGet(['update', '-qq']) || aptGet(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
  const stillMissing = missing.filter((tool) => findTool(tool, env) === undefined);
  if (stillMissing.length === 0) return '';
  return `npm test needs ${advice}, and apt-get could not install ${packages.join(' ')}${failure === '' ? '' : `: ${failure}`}.`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const failure = provision();
  if (failure !== '') {
    process.stderr.write(`${failure}\n`);
    process.exit(1);
  }
}
