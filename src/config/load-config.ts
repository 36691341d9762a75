/** File + flags → a validated BotConfig, or a ConfigError naming file:line:col, field and expectation. */
import { ConfigError, ConfigReadError, type IssueOrigin } from '../errors.js';
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
  readFile: (path: string) => Promise<string>;
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
  return normalizeConfig(raw as unknown as RawConfig, input.cwd, (path) => locate(path, 'value'), input.file);
}

async function readConfigText(file: string, readFile: LoadConfigInput['readFile']): Promise<string> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigReadError(file, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((error as Error).message));
  }
}
