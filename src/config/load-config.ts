/** File + flags → a validated BotConfig, or a ConfigError naming file:line:col, field and expectation. */
import { ConfigError, ConfigReadError, type IssueOrigin } from '../errors.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import type { RealPath } from '../fs/real-path.js';
import { RefusedFileError } from '../fs/read-regular-file.js';
import { validateConfig } from '../schemas/validators.js';
import { applyFlagOverrides, flagFor, type ConfigFlags } from './flag-overrides.js';
import { normalizeConfig } from './normalize.js';
import { formatFieldPath, issuesFromAjv } from './schema-issues.js';
import type { BotConfig, RawConfig } from './types.js';
import { parsePositionedYaml, type FieldPath, type PositionedDocument } from './yaml-document.js';

export interface LoadConfigInput {
  /** Path as the user gave it; relative paths inside the config resolve against `cwd`, as in tbot. */
  file?: string;
  flags: ConfigFlags;
  cwd: string;
  /** Reads the config file; may throw RefusedFileError (not a regular file, or too large). */
  readFile: (path: string) => Promise<string>;
  /** Resolves symlinks in the existing part of a path, so directory rules compare real places. */
  realPath: RealPath;
}

const NO_FILE: PositionedDocument = {
  file: '(no config file)',
  data: { version: 'v2' },
  locate: () => ({ kind: 'default' }),
};

export async function loadConfig(input: LoadConfigInput): Promise<BotConfig> {
  const document = input.file === undefined ? NO_FILE : parsePositionedYaml(input.file, await readConfigText(input.file, input.readFile));
  const { raw, setByFlag } = applyFlagOverrides(document.data, input.flags);

  const locate = (path: FieldPath, part: 'key' | 'value'): IssueOrigin => {
    const flag = flagFor(setByFlag, formatFieldPath(path));
    return flag === undefined ? document.locate(path, part) : { kind: 'flag', flag };
  };

  if (!validateConfig(raw)) throw new ConfigError(issuesFromAjv(validateConfig.errors ?? [], locate));
  return normalizeConfig(raw as unknown as RawConfig, input.cwd, (path) => locate(path, 'value'), input.realPath, input.file);
}

async function readConfigText(file: string, readFile: LoadConfigInput['readFile']): Promise<string> {
  try {
    return await readFile(file);
  } catch (error) {
    if (error instanceof RefusedFileError) throw new ConfigReadError(file, `it is ${error.message}`);
    throw new ConfigReadError(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeFsError(error));
  }
}
