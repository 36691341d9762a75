/**
 * Start-up shape: `tbot version` and `tbot --help` load the command table, yargs and little else;
 * the YAML parser, the schemas, the certificate code and the agent load only for the commands
 * that use them. Checked on the sources (run with tsx and a loader hook that records every module
 * loaded), because the bundle is one file: what matters for a later split into chunks (issue 8)
 * is that nothing reaches those modules through a static import from the entry point.
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
const HEAVY = [/\/node_modules\/yaml\//, /\/node_modules\/ajv\//, /\/src\/config\/load-config\.ts$/, /\/src\/ca\//, /\/src\/agent\//, /\/src\/outputs\//, /\/src\/analytics\/session\.ts$/];

describe('commands load their code only when they run', () => {
  let workspace: Workspace;
  before(async () => {
    workspace = await makeWorkspace('tbot-lazy-');
  });
  after(() => workspace.remove());

  async function modulesLoadedBy(args: string[], name: string): Promise<string[]> {
    const log = join(workspace.dir, `${name}.log`);
    await promisify(execFile)(process.execPath, ['--import', TSX, '--import', SPY, join(ROOT, 'src/cli/main.ts'), ...args], { cwd: workspace.dir, env: cleanEnv({ MODULE_SPY_LOG: log }), timeout: 30_000 });
    return (await readFile(log, 'utf8')).trim().split('\n');
  }

  for (const [name, args] of [['version', ['version']], ['help', ['--help']], ['start-help', ['start', '--help']]] as const) {
    it(`tbot ${args.join(' ')} loads no YAML parser, schema, certificate code or agent`, async () => {
      const loaded = await modulesLoadedBy([...args], name);
      assert.ok(loaded.some((url) => url.endsWith('/src/cli/command-table.ts')), 'the spy saw the entry point (positive control)');
      assert.deepEqual(loaded.filter((url) => HEAVY.some((pattern) => pattern.test(url))), []);
    });
  }

  it('tbot start loads them (so the check above can fail)', async () => {
    const loaded = await modulesLoadedBy(['start', '--oneshot'], 'start');
    for (const pattern of HEAVY.filter((candidate) => !/ajv/.test(candidate.source))) assert.ok(loaded.some((url) => pattern.test(url)), `start did not load ${pattern}`);
  });
});
