/**
 * A file of the install that is not there. The CLIs are bundled: the only modules they require
 * are their own files (the agent's chunks) and Node's built-ins, so a module that cannot be found
 * means an install with files missing (an interrupted copy or upgrade, a package that lost
 * dist/tbot/). Node's require and the launcher's chunk loader both say so with MODULE_NOT_FOUND;
 * the user is told which file, and to reinstall, rather than shown a stack trace.
 */
import { dirname, isAbsolute, resolve } from 'node:path';

/** The exit code: the software is unusable as installed (EX_SOFTWARE, as for an internal error). */
export const INCOMPLETE_INSTALL_EXIT = 70;

/** The error the chunk loader throws for a chunk file that is not there, as Node's require would. */
export function moduleNotFound(file: string, cause: unknown): Error {
  return Object.assign(new Error(`Cannot find module '${file}'`, { cause }), { code: 'MODULE_NOT_FOUND', path: file });
}

/** The missing file an error reports, when it is a module not found; undefined for anything else. */
export function missingInstallFile(error: unknown): string | undefined {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') return undefined;
  const { path, requireStack } = error as Error & { path?: unknown; requireStack?: unknown };
  if (typeof path === 'string') return path;
  const named = /^Cannot find module '([^']+)'/.exec(error.message)?.[1];
  if (named === undefined) return undefined;
  // Node names a relative require as written; the chunk that asked is first on its require stack.
  const from = Array.isArray(requireStack) && typeof requireStack[0] === 'string' ? requireStack[0] : undefined;
  return isAbsolute(named) || from === undefined ? named : resolve(dirname(from), named);
}

export function incompleteInstallMessage(name: string, file: string): string {
  return `${name}: this install is incomplete: cannot find ${file}; reinstall ${name}\n`;
}
