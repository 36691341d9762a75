/**
 * How every CLI run ends, whichever parser ran it: a usage error is printed with a pointer to
 * --help and exits with its code, a handler's code is the exit code, a file missing from the install
 * is named (install-error.ts), and anything else unexpected is an internal error (70). No yargs here: the agent's fast path (fast-parse.ts) ends the same way.
 */
import { UsageError } from '../errors.js';
import { INCOMPLETE_INSTALL_EXIT, incompleteInstallMessage, missingInstallFile } from './install-error.js';

/**
 * Prints a usage error the way every command reports one; returns its exit code. `helpCommand` is
 * the command line whose --help to point to (`tbot-collector report`): the CLI's own by default.
 */
export function reportUsageError(name: string, stderr: (text: string) => void, error: UsageError, helpCommand = name): number {
  stderr(`${name}: ${error.message}\nRun "${helpCommand} --help" for usage.\n`);
  return error.exitCode;
}

/** A run's code, with a usage error thrown on the way reported as such. */
export async function usageErrorsReported(name: string, stderr: (text: string) => void, run: () => Promise<number>, helpCommand = name): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return reportUsageError(name, stderr, error, helpCommand);
  }
}

/**
 * Exits explicitly once the run settles. For the agent that bounds a one-shot run: no lingering
 * keep-alive socket or timer from an abandoned analytics send can hold the process open.
 */
export function exitWhenSettled(name: string, run: Promise<number>): void {
  run.then(
    (code) => process.exit(code),
    (error: unknown) => {
      const missing = missingInstallFile(error);
      if (missing !== undefined) {
        process.stderr.write(incompleteInstallMessage(name, missing));
        process.exit(INCOMPLETE_INSTALL_EXIT);
      }
      process.stderr.write(`${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(70);
    },
  );
}
