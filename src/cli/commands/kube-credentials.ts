/**
 * `tbot kube credentials --destination-dir DIR`: the kubectl exec plugin that the kubeconfigs of
 * kubernetes outputs call (unless `disable_exec_plugin: true`). Prints one ExecCredential JSON
 * line from DIR's `identity` file; reads nothing else and writes nothing.
 */
import { join, resolve } from 'node:path';
import { describeFsError } from '../../fs/describe-fs-error.js';
import { readRegularFile, RefusedFileError } from '../../fs/read-regular-file.js';
import { execCredential, IdentityFileError, readIdentityFile } from '../../outputs/kinds/kube-exec.js';
import type { CommandDef, Invocation } from '../command-types.js';
import type { Runtime } from '../runtime.js';

/** An identity file is a few kilobytes; the bound only stops a wrong path from being read whole. */
const MAX_IDENTITY_BYTES = 1024 * 1024;

export async function run(invocation: Invocation, runtime: Runtime, _command: CommandDef): Promise<number> {
  const directory = resolve(runtime.cwd, invocation.values['destination-dir'] as string);
  const path = join(directory, 'identity');
  let text: string;
  try {
    text = await readRegularFile(path, MAX_IDENTITY_BYTES);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    const why = error instanceof RefusedFileError ? `it is ${error.message}` : missing ? 'no such file' : describeFsError(error);
    const hint = missing ? `; is ${directory} the destination of a kubernetes output, and has \`tbot start\` renewed it?` : '';
    runtime.stderr(`tbot: cannot read ${path}: ${why}${hint}\n`);
    return 1;
  }
  try {
    runtime.stdout(`${JSON.stringify(execCredential(readIdentityFile(text), runtime.now()))}\n`);
  } catch (error) {
    if (!(error instanceof IdentityFileError)) throw error;
    runtime.stderr(`tbot: ${path} is not an identity file: ${error.message}\n`);
    return 1;
  }
  return 0;
}
