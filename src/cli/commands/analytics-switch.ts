/**
 * `tbot analytics enable|disable [-c FILE]`. With -c, sets `anonymous_analytics` in that config in
 * place (only the value's characters change: comments and layout stay), writes it atomically with
 * its mode kept, and says what changed. Without -c it persists nothing and prints the exact key or
 * env var to set, because a service account's $HOME is no place for a setting.
 */
import { chmod, chown, realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { resolveConsent } from '../../analytics/consent.js';
import { setTopLevelBoolean } from '../../config/set-top-level-key.js';
import { ConfigReadError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import { describeFsError } from '../../fs/describe-fs-error.js';
import { RefusedFileError } from '../../fs/read-regular-file.js';
import type { CommandDef, Invocation } from '../command-types.js';
import { CONFIG_KEY, howToSet, outranks } from '../consent-advice.js';
import { consentFor } from '../config-input.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';

export async function run(invocation: Invocation, runtime: Runtime, command: CommandDef): Promise<number> {
  const want = command.name === 'enable';
  const file = invocation.values['config'];
  // Only a file named on this command line is edited; one named by TBOT_CONFIG_PATH is only advised on.
  if (typeof file !== 'string' || invocation.fromEnv['config'] !== undefined) {
    runtime.stdout(
      `Nothing was changed. To turn anonymous analytics ${want ? 'on' : 'off'}:\n${howToSet(want, consentFor(invocation, runtime))
        .map((line) => `  ${line}\n`)
        .join('')}`,
    );
    return 0;
  }
  try {
    // The real file: renaming over a symlink would replace the link, not the config it points to.
    const unreadable = (error: unknown): never => {
      if (error instanceof RefusedFileError) throw new ConfigReadError(file, `it is ${error.message}`);
      throw new ConfigReadError(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeFsError(error));
    };
    const path = await realpath(resolve(runtime.cwd, file)).catch(unreadable);
    const [text, info] = await Promise.all([runtime.readFile(path), stat(path)]).catch(unreadable);
    const edit = setTopLevelBoolean(file, text, CONFIG_KEY, want);
    const after = resolveConsent({ env: runtime.env, config: want });
    if (!edit.changed) {
      runtime.stdout(`unchanged: ${file}:${edit.line} already says ${CONFIG_KEY}: ${edit.before}\n`);
    } else {
      try {
        await writeFileAtomic(path, edit.text, info.mode & 0o7777);
        // The temp file was created under the umask and by this user: give back the file's own mode and owner.
        await chmod(path, info.mode & 0o7777);
        if (process.getuid?.() === 0) await chown(path, info.uid, info.gid);
      } catch (error) {
        runtime.stderr(`tbot: cannot write ${path}: ${describeFsError(error)}\n`);
        return 1;
      }
      const what = edit.before === undefined ? `added ${CONFIG_KEY}: ${want}` : `${CONFIG_KEY}: ${edit.before} -> ${want}`;
      runtime.stdout(`${file}:${edit.line}: ${what}\n`);
    }
    const outranking = outranks(after);
    if (outranking !== undefined && after.enabled !== want) runtime.stderr(`warning: ${outranking}, so analytics stays ${after.enabled ? 'on' : 'off'} here\n`);
    return 0;
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
}
