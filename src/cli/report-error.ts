/** Turns the typed errors that end a command into stderr lines and an exit code. */
import { ClusterOnlyError, ConfigError, NotRunnableHereError, TbotError, formatIssueList } from '../errors.js';

export function reportFatal(error: unknown, stderr: (text: string) => void): number {
  if (error instanceof ClusterOnlyError) {
    stderr(`tbot: this configuration uses parts of Teleport's tbot that need a Teleport cluster, which this agent does not have (nothing was written or sent):\n`);
    for (const line of formatIssueList(error.issues)) stderr(`  ${line}\n`);
    return error.exitCode;
  }
  if (error instanceof NotRunnableHereError) {
    stderr(`tbot: this configuration is valid for Teleport's tbot, but asks for what this agent cannot do (nothing was written or sent):\n`);
    for (const line of formatIssueList(error.issues)) stderr(`  ${line}\n`);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    stderr(`tbot: invalid configuration (nothing was written or sent):\n`);
    for (const line of formatIssueList(error.issues)) stderr(`  ${line}\n`);
    return error.exitCode;
  }
  if (error instanceof TbotError) {
    stderr(`tbot: ${error.message}\n`);
    return error.exitCode === 0 ? 1 : error.exitCode;
  }
  throw error;
}
