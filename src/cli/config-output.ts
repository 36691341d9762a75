/** Where `configure` and `migrate` put the config they made: stdout, or `-o FILE` written atomically. */
import { resolve } from 'node:path';
import { describeFsError } from '../fs/describe-fs-error.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { Runtime } from './runtime.js';

/** Prints `text`, or writes it to `output` (relative to the working directory); the exit code. */
export async function emitConfig(text: string, output: unknown, runtime: Runtime, made: 'generated' | 'migrated'): Promise<number> {
  if (typeof output !== 'string') {
    runtime.stdout(text);
    return 0;
  }
  const path = resolve(runtime.cwd, output);
  try {
    // 0600: the config may hold a join token.
    await writeFileAtomic(path, text, 0o600);
  } catch (error) {
    runtime.stderr(`tbot: cannot write ${path}: ${describeFsError(error)}\n`);
    return 1;
  }
  runtime.stderr(`${made} config file written to ${path}\n`);
  return 0;
}
