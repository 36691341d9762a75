/**
 * docs/host.md's systemd path, held to what it promises: the unit passes `systemd-analyze verify`,
 * every directory it lets the service write is made by the page's commands, nothing on the page
 * opts the host in to analytics, and the config it gives (absolute paths) runs the agent.
 *
 * Nothing is written outside a temporary directory. `systemd-analyze verify FILE` loads the unit
 * from that file and reads the host's units only to resolve its dependencies
 * (network-online.target, multi-user.target). It checks `User=`/`Group=` for their syntax only and
 * does not look them up, so the test needs no `tbot` user and never touches /etc/passwd;
 * `--man=no` keeps it from looking for man pages. `--root=` is not used: with it, verify wants a
 * whole systemd tree (sysinit.target …) and the node binary inside that root.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { findTool, testTool } from '../../scripts/provision-test-tools.mjs';
import { fences } from '../helpers/doc-blocks.js';
import { cleanEnv, runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const run = promisify(execFile);

/** systemd-analyze, which npm test's pretest installs (Debian's systemd package) when it is missing. */
function systemdAnalyze(): string {
  const path = findTool(testTool('systemd-analyze'));
  assert.ok(path, 'systemd-analyze is not installed: run node scripts/provision-test-tools.mjs, or apt-get install systemd');
  return path;
}
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = 'docs/host.md';

interface HostPage {
  unit: string;
  config: string;
  /** Every command of the page's plain `sh` blocks, one per line. */
  commands: string[];
}

async function readHostPage(): Promise<HostPage> {
  const blocks = fences(PAGE, await readFile(join(ROOT, PAGE), 'utf8'));
  const titled = (title: string): string => {
    const block = blocks.find((candidate) => candidate.body.startsWith(`${title}\n`));
    assert.ok(block, `${PAGE} has no block starting with "${title}"`);
    return block.body.slice(title.length + 1);
  };
  return {
    unit: titled('# /etc/systemd/system/tbot.service'),
    config: titled('# /etc/tbot.yaml'),
    commands: blocks.filter((block) => block.info.join(' ') === 'sh').flatMap((block) => block.body.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))),
  };
}

/** The values of one key in a unit's [Service] section, each split on spaces. */
function serviceValues(unit: string, key: string): string[] {
  const service = unit.slice(unit.indexOf('[Service]'), unit.indexOf('\n[', unit.indexOf('[Service]') + 1));
  return service
    .split('\n')
    .filter((line) => line.startsWith(`${key}=`))
    .flatMap((line) =>
      line
        .slice(key.length + 1)
        .split(/\s+/)
        .filter(Boolean),
    );
}

/** The directories `install -d … DIR` commands make. */
function installedDirectories(commands: readonly string[]): string[] {
  return commands.filter((line) => /^(sudo )?install -d /.test(line)).map((line) => line.trim().split(/\s+/).at(-1) as string);
}

describe('docs/host.md: the systemd path', () => {
  let page: HostPage;
  let workspace: Workspace;

  before(async () => {
    page = await readHostPage();
    workspace = await makeWorkspace('tbot-host-');
  });
  after(() => workspace.remove());

  it('systemd-analyze verify accepts the unit, with no warning', async () => {
    const analyze = systemdAnalyze();
    const unitDir = join(workspace.dir, 'etc/systemd/system');
    await mkdir(unitDir, { recursive: true });
    // The page runs /usr/bin/node; verify checks that the binary exists, so point it at the Node
    // running this test (the same binary wherever the machine keeps it).
    assert.match(page.unit, /^ExecStart=\/usr\/bin\/node /m);
    const unit = page.unit.replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `);
    await writeFile(join(unitDir, 'tbot.service'), unit);
    const { stdout, stderr } = await run(analyze, ['verify', '--man=no', join(unitDir, 'tbot.service')], { env: cleanEnv(), cwd: workspace.dir });
    assert.equal(`${stdout}${stderr}`, '');
  });

  it('systemd-analyze verify is a judge: an unknown key and a missing binary are reported', async () => {
    const analyze = systemdAnalyze();
    const bad = join(workspace.dir, 'bad.service');
    await writeFile(bad, page.unit.replace('ReadWritePaths=', 'ReadWritePath='));
    const typo = await run(analyze, ['verify', '--man=no', bad], { env: cleanEnv() });
    assert.match(typo.stderr, /Unknown key 'ReadWritePath'/);
    await writeFile(bad, page.unit.replace(/^ExecStart=\/usr\/bin\/node /m, 'ExecStart=/nonexistent/node '));
    await assert.rejects(run(analyze, ['verify', '--man=no', bad], { env: cleanEnv() }), /is not executable/);
  });

  it('every ReadWritePaths= directory is made by the page, and the unit runs the unpacked bundle', () => {
    const made = installedDirectories(page.commands);
    const writable = serviceValues(page.unit, 'ReadWritePaths');
    assert.ok(writable.length > 0, 'the unit names the directories it writes');
    for (const path of writable) assert.ok(made.includes(path), `${path} is in ReadWritePaths= but no command of the page makes it (made: ${made.join(', ')})`);
    assert.ok(
      page.commands.some((line) => /^(sudo )?useradd .*\btbot$/.test(line)),
      'the page creates the tbot user',
    );
    const [node, bundle] = serviceValues(page.unit, 'ExecStart');
    assert.equal(node, '/usr/bin/node');
    assert.ok(
      page.commands.some((line) => line.includes('tar -xzf') && line.includes('-C /opt/tbot')),
      'the page unpacks the agent into /opt/tbot',
    );
    assert.ok(existsSync(join(ROOT, posix.relative('/opt/tbot', bundle as string))), `${bundle} is not where npm pack puts the built bundle`);
  });

  it('the config uses absolute paths inside the directories the service may write', () => {
    const config = parse(page.config) as { storage: { path: string }; services: { destination: { type: string; path?: string } }[] };
    const writable = [...serviceValues(page.unit, 'ReadWritePaths'), ...serviceValues(page.unit, 'StateDirectory').map((name) => `/var/lib/${name}`)];
    const paths = [config.storage.path, ...config.services.filter((service) => service.destination.type === 'directory').map((service) => service.destination.path as string)];
    for (const path of paths) {
      assert.ok(isAbsolute(path), `${path} is not absolute`);
      assert.ok(
        writable.some((dir) => path === dir || path.startsWith(`${dir}/`)),
        `${path} is outside what the unit lets the service write`,
      );
    }
  });

  it('nothing on the page opts the host in to analytics', () => {
    assert.doesNotMatch(page.config, /anonymous_analytics/);
    const active = page.unit.split('\n').filter((line) => !line.startsWith('#'));
    for (const line of active) assert.doesNotMatch(line, /TELEPORT_ANONYMOUS_TELEMETRY|anonymous-analytics|DO_NOT_TRACK/);
  });

  it("the unit's command line renews once on the config, with its paths moved under a temporary directory, and analytics is off", async () => {
    const root = join(workspace.dir, 'root');
    for (const dir of installedDirectories(page.commands)) await mkdir(join(root, dir), { recursive: true, mode: 0o700 });
    const moved = page.config.replace(/^(\s*path: )(\/.*)$/gm, (_, key: string, path: string) => `${key}${root}${path}`);
    const configPath = join(root, 'tbot.yaml');
    await writeFile(configPath, moved);
    const status = await runTbot(['analytics', 'status', '-c', configPath], { cwd: workspace.dir });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^Anonymous analytics: disabled\nDecided by: default \(nothing opted in\)\n/);
    // ExecStart's own arguments (after node and the bundle), with the config moved, run once, and
    // the diagnostics listener on a free port rather than the page's.
    const args = serviceValues(page.unit, 'ExecStart')
      .slice(2)
      .map((arg) => (arg === '/etc/tbot.yaml' ? configPath : arg));
    assert.ok(args.includes(configPath), 'ExecStart reads /etc/tbot.yaml');
    const once = await runTbot([...args, '--oneshot', '--diag-addr', '127.0.0.1:0'], { cwd: workspace.dir });
    assert.equal(once.code, 0, once.stderr);
    const lines = once.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: string; output?: string });
    assert.ok(
      lines.some((line) => line.message === 'renewal cycle complete' && line.output === 'host-identity'),
      once.stderr,
    );
    assert.ok(existsSync(join(root, 'opt/machine-id/tlscert')));
    assert.ok(existsSync(join(root, 'var/lib/tbot/ca')));
  });
});
