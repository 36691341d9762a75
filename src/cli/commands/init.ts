/**
 * `tbot init`: prepare one output's destination directory for an agent that runs as another user
 * (fs/prepare-destination.ts does the work). The output is `--destination-dir`, the config's only
 * output, or the one whose directory `--init-dir` names, as in tbot.
 *
 * tbot would set POSIX ACLs for `--bot-user` and `--reader-user` when the destination's `acls` is
 * `try` or `required`. This agent sets none, so it does what tbot does where ACLs are unusable:
 * `try` warns and goes on with owner and mode only, `required` fails.
 */
import { resolve } from 'node:path';
import type { OutputConfig } from '../../config/types.js';
import { TbotError } from '../../errors.js';
import { describeFsError } from '../../fs/describe-fs-error.js';
import { getentLookup, parseOwner, type Owner } from '../../fs/owner.js';
import { prepareDestination } from '../../fs/prepare-destination.js';
import type { CommandDef, Invocation } from '../command-types.js';
import { loggerFor, resolveOrReport } from '../config-input.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';

/** The destination cannot be chosen or prepared. */
export class InitError extends TbotError {
  readonly exitCode = 1;
  override name = 'InitError';
}

function chooseOutput(outputs: readonly OutputConfig[], initDir: string | undefined, cwd: string): OutputConfig {
  if (initDir === undefined) {
    if (outputs.length === 1) return outputs[0] as OutputConfig;
    throw new InitError(
      outputs.length === 0
        ? 'there is no destination to prepare: give --destination-dir, or a config (-c) with an output'
        : `the config has ${outputs.length} outputs: name the destination directory to prepare with --init-dir`,
    );
  }
  const wanted = resolve(cwd, initDir);
  const found = outputs.find((output) => output.destination.type === 'directory' && output.destination.path === wanted);
  if (found === undefined) throw new InitError(`cannot prepare ${wanted}: no output of the config writes to that directory`);
  return found;
}

/** What tbot says where ACLs are not usable, in this agent's words. */
function aclMessage(dir: string): string {
  return `ACLs are not usable for destination ${dir}: this agent sets no POSIX ACLs; change the destination's acls to off to silence this warning`;
}

export async function run(invocation: Invocation, runtime: Runtime, command: CommandDef): Promise<number> {
  const resolved = await resolveOrReport(command, invocation, runtime);
  if ('exitCode' in resolved) return resolved.exitCode;
  const logger = loggerFor(resolved.config.debug, invocation, runtime);
  try {
    const output = chooseOutput(resolved.config.outputs, invocation.values['init-dir'] as string | undefined, runtime.cwd);
    const destination = output.destination;
    if (destination.type !== 'directory') throw new InitError('`tbot init` only prepares directory destinations');
    const dir = destination.path;
    logger.info('initializing destination', { destination: `directory ${dir}` });
    const botUser = invocation.values['bot-user'] as string | undefined;
    const readerUser = invocation.values['reader-user'] as string | undefined;
    if (destination.acls === 'required') throw new InitError(`${aclMessage(dir)} (acls: required); use acls: try or off`);
    if (destination.acls === 'try') {
      logger.warn(aclMessage(dir), {
        ...(botUser === undefined ? {} : { bot_user: botUser }),
        ...(readerUser === undefined ? {} : { reader_user: readerUser }),
      });
    } else {
      logger.info('ACLs disabled for this destination');
    }
    const ownerText = invocation.values['owner'] as string | undefined;
    const owner: Owner =
      ownerText === undefined ? { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, label: 'the user running tbot' } : await parseOwner(ownerText, getentLookup());
    try {
      await prepareDestination(dir, { owner, clean: invocation.values['clean'] === true, logger, currentUid: process.getuid?.() });
    } catch (error) {
      if (error instanceof TbotError) throw error;
      throw new InitError(`cannot prepare ${dir}: ${describeFsError(error)}`, { cause: error });
    }
    logger.info('destination is ready', { path: dir, owner: owner.label });
    return 0;
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
}
