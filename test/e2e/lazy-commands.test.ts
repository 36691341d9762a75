/**
 * Start-up shape: `tbot version` loads the command table and little else (not even yargs, which
 * only help, --version and usage errors need), `tbot --help` adds yargs; the YAML parser, the
 * schemas, the certificate code and the agent load only for the commands that use them, and the
 * reporter and its HTTP client only when analytics is on. Checked on the sources (run with tsx and
 * a loader hook that records every module loaded): the bundle's chunks (build.mjs) follow the same
 * lines, since nothing reaches those modules through a static import from the entry point.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cleanEnv } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SPY = fileURLToPath(new URL('../fixtures/module-spy.mjs', import.meta.url));
/** The workspace has no node_modules of its own: tsx is named by its resolved URL. */
const TSX = import.meta.resolve('tsx');
const YARGS = /\/node_modules\/yargs\//;
/** The reporter and its HTTP client: only for a run that sends. */
const REPORTING = [/\/src\/reporting\/reporter\.ts$/, /\/src\/reporting\/http-transport\.ts$/, /\/node_modules\/ky\//];
const HEAVY = [
  /\/node_modules\/yaml\//,
  /\/node_modules\/ajv\//,
  /\/src\/config\/load-config\.ts$/,
  /\/src\/ca\//,
  /\/src\/agent\//,
  /\/src\/outputs\//,
  /\/src\/analytics\/session\.ts$/,
];

describe('commands load their code only when they run', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-lazy-');
  });
  after(() => workspace.remove());

  /** One run per command line and env (each is tsx loading the sources, seconds of CPU): two tests that look at the same run share it. */
  const runs = new Map<string, Promise<string[]>>();
  function modulesLoadedBy(args: string[], name: string, env: Record<string, string> = {}): Promise<string[]> {
    const key = JSON.stringify([args, env]);
    const known = runs.get(key);
    if (known !== undefined) return known;
    const log = join(workspace.dir, `${name}.log`);
    const loaded = promisify(execFile)(process.execPath, ['--import', TSX, '--import', SPY, join(ROOT, 'src/cli/main.ts'), ...args], {
      cwd: workspace.dir,
      env: cleanEnv({ MODULE_SPY_LOG: log, ...env }),
      timeout: 30_000,
    }).then(async () => (await readFile(log, 'utf8')).trim().split('\n'));
    runs.set(key, loaded);
    return loaded;
  }

  for (const [name, args] of [
    ['version', ['version']],
    ['help', ['--help']],
    ['start-help', ['start', '--help']],
    ['status', ['analytics', 'status']],
  ] as const) {
    it(`tbot ${args.join(' ')} loads no YAML parser, schema, certificate code or agent`, async () => {
      const loaded = await modulesLoadedBy([...args], name);
      assert.ok(
        loaded.some((url) => url.endsWith('/src/cli/command-table.ts')),
        'the spy saw the entry point (positive control)',
      );
      assert.deepEqual(
        loaded.filter((url) => HEAVY.some((pattern) => pattern.test(url))),
        [],
      );
    });
  }

  it('tbot analytics status loads the config machinery when there is a config to read', async () => {
    const loaded = await modulesLoadedBy(['analytics', 'status', '-c', join(ROOT, 'config/minimal.yaml')], 'status-config');
    for (const pattern of [/\/node_modules\/yaml\//, /\/src\/config\/load-config\.ts$/])
      assert.ok(
        loaded.some((url) => pattern.test(url)),
        `did not load ${pattern}`,
      );
  });

  it('tbot version loads no yargs either', async () => {
    const loaded = await modulesLoadedBy(['version'], 'version-yargs');
    assert.deepEqual(
      loaded.filter((url) => YARGS.test(url)),
      [],
    );
    const help = await modulesLoadedBy(['--help'], 'help-yargs');
    assert.ok(
      help.some((url) => YARGS.test(url)),
      '--help loads yargs (so the check above can fail)',
    );
  });

  it('tbot start with analytics off loads no reporter or HTTP client', async () => {
    const loaded = await modulesLoadedBy(['start', '--oneshot', '--allow-empty', '--no-anonymous-analytics'], 'start-off');
    assert.ok(
      loaded.some((url) => url.endsWith('/src/agent/run-agent.ts')),
      'start ran the agent (positive control)',
    );
    assert.deepEqual(
      loaded.filter((url) => REPORTING.some((pattern) => pattern.test(url))),
      [],
    );
  });

  it("a config loads the validators of the kinds it uses, and no other kind's", async () => {
    const sections = (loaded: string[]): string[] =>
      loaded
        .map((url) => /\/src\/schemas\/config-sections\/([a-z-]+)\.ts$/.exec(url)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
    assert.deepEqual(sections(await modulesLoadedBy(['analytics', 'preview', '-c', join(ROOT, 'config/minimal.yaml')], 'sections-minimal')), ['identity', 'top']);
    assert.deepEqual(sections(await modulesLoadedBy(['analytics', 'preview', '-c', join(ROOT, 'config/all-kinds.yaml')], 'sections-all')), [
      'application',
      'database',
      'identity',
      'kubernetes',
      'spiffe-svid',
      'ssh-host',
      'top',
      'workload-identity',
    ]);
  });

  it('tbot start with analytics on loads all of them (so the checks above can fail)', async () => {
    const loaded = await modulesLoadedBy(['start', '--oneshot', '--allow-empty', '--anonymous-analytics'], 'start', { TBOT_ANALYTICS_ENDPOINT: 'http://127.0.0.1:9' });
    for (const pattern of [...HEAVY.filter((candidate) => !/ajv/.test(candidate.source)), ...REPORTING])
      assert.ok(
        loaded.some((url) => pattern.test(url)),
        `start did not load ${pattern}`,
      );
  });
});
