/**
 * The `tbot` entry point (the launcher, dist/tbot.cjs, has already answered help, --version and
 * `version` from the build's records: stored-answers.ts). A plainly valid command line runs
 * through the fast path (fast-parse.ts: the command table and yargs-parser); everything else
 * (usage errors, help with more on the line) goes to yargs (yargs-main.ts), loaded only then. A
 * command's own code is imported when it runs.
 */
import { exitWhenSettled, usageErrorsReported } from '../cli-kit/cli-exit.js';
import { GLOBAL_FLAGS, TBOT_COMMANDS } from './command-table.js';
import { fastParse } from './fast-parse.js';
import { runCommand } from './invocation.js';
import { processRuntime } from './runtime.js';

const runtime = processRuntime();
// What yargs' hideBin returns for a plain `node <script>` run.
const tokens = process.argv.slice(2);
exitWhenSettled(
  'tbot',
  fastParse(tokens, TBOT_COMMANDS, GLOBAL_FLAGS).then((fast) =>
    fast === undefined
      ? import('./yargs-main.js').then(({ runTbotYargs }) => runTbotYargs(tokens, runtime))
      : usageErrorsReported('tbot', runtime.stderr, () => runCommand(fast.def, fast.path, fast.argv, GLOBAL_FLAGS, runtime)),
  ),
);
