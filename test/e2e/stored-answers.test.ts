/**
 * Help, --version and `version` are printed by the launcher from dist/tbot/answers/
 * (src/cli/stored-answers.ts), recorded by the build from the CLI's own output. Here every recorded
 * answer is held to what the CLI prints now without them (a copy of the agent without the answers,
 * so help goes to yargs and `version` to its command), every spelling has one, and the spellings
 * that share an answer (aliases, -h) print what the CLI prints for them.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TBOT_COMMANDS } from '../../src/cli/command-table.js';
import { ANSWERS_DIRECTORY, recordableCommandLines } from '../../src/cli/stored-answers.js';
import { cleanEnv, runTbot, TBOT_BUNDLE } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const ANSWERS = join(TBOT_BUNDLE, '..', 'tbot', ANSWERS_DIRECTORY);

describe('stored help and --version', () => {
  let workspace: Workspace;
  let yargsOnly: string;
  before(async () => {
    workspace = await makeWorkspace('tbot-answers-');
    const dir = join(workspace.dir, 'dist');
    await mkdir(dir);
    await cp(TBOT_BUNDLE, join(dir, 'tbot.cjs'));
    await cp(join(TBOT_BUNDLE, '..', 'tbot'), join(dir, 'tbot'), { recursive: true, filter: (source) => !source.includes(`/${ANSWERS_DIRECTORY}`) });
    yargsOnly = join(dir, 'tbot.cjs');
  });
  after(() => workspace.remove());

  const run = (args: readonly string[], bundle?: string, env: Record<string, string> = {}) =>
    runTbot(args, { ...(bundle === undefined ? {} : { bundle }), cwd: workspace.dir, env: cleanEnv({ XDG_CACHE_HOME: join(workspace.dir, 'cache'), ...env }) });

  it('has one answer for every spelling of every recorded command line, and nothing else', async () => {
    const lines = recordableCommandLines(TBOT_COMMANDS);
    assert.ok(lines.length > 30, `${lines.length} lines`);
    assert.deepEqual((await readdir(ANSWERS)).sort(), lines.flatMap((line) => line.files).sort());
  });

  it('each recorded answer is what the CLI prints for that line today', async () => {
    const lines = recordableCommandLines(TBOT_COMMANDS);
    for (let index = 0; index < lines.length; index += 8) {
      await Promise.all(
        lines.slice(index, index + 8).map(async (line) => {
          const live = await run(line.tokens, yargsOnly);
          assert.deepEqual([live.code, live.stderr], [0, ''], line.tokens.join(' '));
          for (const file of line.files) assert.equal(await readFile(join(ANSWERS, file), 'utf8'), live.stdout, `${line.tokens.join(' ')} (${file})`);
        }),
      );
    }
  });

  it('aliases and -h print what yargs prints for them, from the stored answers', async () => {
    const spellings = [
      ['-h'],
      ['start', 'db', '-h'],
      ['start', 'k8s/v2', '--help'],
      ['configure', 'app', '--help'],
      ['start', 'legacy', '-h'],
      ['analytics', 'status', '-h'],
      ['--version'],
      ['version'],
    ];
    for (const tokens of spellings) {
      const [stored, live] = await Promise.all([run(tokens), run(tokens, yargsOnly)]);
      assert.deepEqual([stored.code, stored.stdout, stored.stderr], [live.code, live.stdout, live.stderr], tokens.join(' '));
      assert.ok(stored.stdout.length > 0, tokens.join(' '));
    }
  });

  it('a line with anything more runs as ever, and prints what it always did', async () => {
    for (const tokens of [
      ['start', 'dbx', '--help'],
      ['start', '--oneshot', '--help'],
      ['--help', 'start'],
      ['version', '--version'],
      ['version', '--debug'],
      ['--version', '--help'],
    ]) {
      const [full, live] = await Promise.all([run(tokens), run(tokens, yargsOnly)]);
      assert.deepEqual([full.code, full.stdout, full.stderr], [live.code, live.stdout, live.stderr], tokens.join(' '));
    }
  });

  it('`version` reads the env of its flags as the CLI does (TBOT_DEBUG=maybe is a usage error there); help and --version read none', async () => {
    for (const [tokens, env] of [
      [['version'], { TBOT_DEBUG: 'maybe' }],
      [['version'], { TBOT_DEBUG: 'true' }],
      [['version'], { TBOT_CONFIG_PATH: 'missing.yaml', TBOT_CONFIG: 'not base64' }],
      [['--version'], { TBOT_DEBUG: 'maybe' }],
      [['start', '-h'], { TBOT_DEBUG: 'maybe' }],
    ] as const) {
      const [stored, live] = await Promise.all([run(tokens, undefined, env), run(tokens, yargsOnly, env)]);
      assert.deepEqual([stored.code, stored.stdout, stored.stderr], [live.code, live.stdout, live.stderr], `${JSON.stringify(env)} tbot ${tokens.join(' ')}`);
    }
    const refused = await run(['version'], undefined, { TBOT_DEBUG: 'maybe' });
    assert.deepEqual([refused.code, refused.stdout], [2, ''], 'positive control: the CLI refuses the value');
    assert.match(refused.stderr, /TBOT_DEBUG="maybe" is not true or false/);
  });
});
