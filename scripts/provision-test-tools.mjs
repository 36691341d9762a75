#!/usr/bin/env node
// Makes sure the real tools the end-to-end tests judge with are installed. Today: OpenSSH's sshd
// (Debian package openssh-server), which accepts or refuses the agent's SSH certificates.
// Installs with apt-get when it is missing and apt-get is usable (root); otherwise prints one line
// saying what to install and exits 1. No dependencies: node built-ins only.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const TOOLS = [{ name: 'sshd', path: '/usr/sbin/sshd', aptPackage: 'openssh-server' }];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, encoding: 'utf8' });
  return result.status === 0 ? undefined : (result.error?.message ?? result.stderr.trim().split('\n').pop() ?? `exit ${result.status}`);
}

const missing = TOOLS.filter((tool) => !executable(tool.path));
if (missing.length === 0) {
  console.log(`test tools present: ${TOOLS.map((tool) => tool.path).join(', ')}`);
  process.exit(0);
}
const packages = missing.map((tool) => tool.aptPackage);
const aptUsable = process.getuid?.() === 0 && executable('/usr/bin/apt-get');
if (!aptUsable) {
  console.error(`missing ${missing.map((tool) => tool.path).join(', ')}: install the package(s) ${packages.join(' ')} (as root: apt-get install ${packages.join(' ')})`);
  process.exit(1);
}
// The package lists may be stale or absent (fresh containers): refresh them once, then install.
const failure = run('apt-get', ['update', '-qq']) ?? run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages]);
const stillMissing = missing.filter((tool) => !executable(tool.path));
if (failure !== undefined || stillMissing.length > 0) {
  console.error(`could not install ${packages.join(' ')} with apt-get: ${failure ?? `${stillMissing.map((tool) => tool.path).join(', ')} still missing`}`);
  process.exit(1);
}
console.log(`installed ${packages.join(' ')}: ${missing.map((tool) => tool.path).join(', ')} ready`);
