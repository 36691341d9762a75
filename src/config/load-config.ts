/** File (or base64 text) + flags → a validated BotConfig, or an error naming file:line:col, field and expectation. */
import { ClusterOnlyError, ConfigError, ConfigReadError, type ConfigIssue, type IssueOrigin } from '../errors.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import type { RealPath } from '../fs/real-path.js';
import { RefusedFileError } from '../fs/read-regular-file.js';
import { explainClusterOnly, findClusterOnly, isWithin } from './cluster-only.js';
import { applyFlagOverrides, flagFor, type ConfigFlags } from './flag-overrides.js';
import { applyJoinUri } from './join-uri-config.js';
import { normalizeConfig } from './normalize.js';
import { formatFieldPath, issuesFromAjv, pathFromPointer } from './schema-issues.js';
import type { BotConfig, RawConfig } from './types.js';
import { separateUnusedKeys, unusedKeyWarnings } from './unused-keys.js';
import { validateRawConfig } from './validate-config.js';
import { v1Issue } from './v1-config.js';
import { parsePositionedYaml, type FieldPath, type PositionedDocument } from './yaml-document.js';

/** Where the YAML comes from: a file (`-c`, TBOT_CONFIG_PATH) or base64 text (`--config-string`, TBOT_CONFIG). */
export type ConfigSource = { kind: 'file'; path: string } | { kind: 'base64'; label: string; text: string };

export interface LoadConfigInput {
  source?: ConfigSource;
  flags: ConfigFlags;
  /** Relative paths inside the config resolve against this, as in tbot. */
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

/** Go's StdEncoding: the alphabet, padding to a multiple of 4; line breaks are ignored. */
function decodeBase64(text: string): string | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('utf8');
}

export async function readDocument(source: ConfigSource | undefined, readFile: LoadConfigInput['readFile']): Promise<PositionedDocument> {
  if (source === undefined) return NO_FILE;
  if (source.kind === 'base64') {
    const text = decodeBase64(source.text);
    if (text === undefined)
      throw new ConfigReadError(source.label, 'it is not valid base64; it must hold a whole YAML config encoded in base64 (for example the output of `base64 -w0 tbot.yaml`)');
    return parsePositionedYaml(source.label, text);
  }
  try {
    return parsePositionedYaml(source.path, await readFile(source.path));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (error instanceof RefusedFileError) throw new ConfigReadError(source.path, `it is ${error.message}`);
    throw new ConfigReadError(source.path, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeFsError(error));
  }
}

export async function loadConfig(input: LoadConfigInput): Promise<BotConfig> {
  const document = await readDocument(input.source, input.readFile);
  const v1 = v1Issue(document.data, document.locate);
  if (v1 !== undefined) throw new ConfigError([v1]);

  const { raw, setByFlag, warnings: flagWarnings } = applyFlagOverrides(withoutNullValues(document.data), input.flags);
  const locateRaw = (path: FieldPath, part: 'key' | 'value'): IssueOrigin => {
    return flagFor(setByFlag, formatFieldPath(path)) ?? document.locate(path, part);
  };
  // As in tbot, a join URI fills the config's address and onboarding before anything is validated.
  const joinUri = applyJoinUri(raw, locateRaw);
  const warnings = [...flagWarnings, ...joinUri.warnings];
  const locate = (path: FieldPath, part: 'key' | 'value'): IssueOrigin => joinUri.locate(path) ?? locateRaw(path, part);

  const clusterOnly = findClusterOnly(raw);
  const explained: ConfigIssue[] = clusterOnly.map((finding) => ({
    origin: locate(finding.path, 'value'),
    field: formatFieldPath(finding.path),
    problem: `${explainClusterOnly(finding)}; ${finding.remedy}`,
  }));
  // Whatever tbot would ignore or check later inside a cluster-only part is not the point.
  const inClusterOnlyPart = (path: FieldPath): boolean => clusterOnly.some((finding) => isWithin(path, finding.block));
  const inScope = (await validateRawConfig(raw, inClusterOnlyPart)).filter((error) => !inClusterOnlyPart(pathFromPointer(error.instancePath)));
  const { errors, unused } = separateUnusedKeys(inScope);
  const schemaIssues = issuesFromAjv(errors, locate);
  const ignored = unusedKeyWarnings(unused, locate);
  if (explained.length > 0) throw new ClusterOnlyError([...explained, ...schemaIssues]);
  if (schemaIssues.length > 0) throw new ConfigError(schemaIssues);
  return normalizeConfig({
    raw: raw as unknown as RawConfig,
    cwd: input.cwd,
    locate: (path) => locate(path, 'value'),
    realPath: input.realPath,
    ...(input.source === undefined ? {} : { source: input.source.kind === 'file' ? input.source.path : input.source.label }),
    warnings: [...ignored, ...warnings],
  });
}

/**
 * `key:` with no value is YAML null, which Go decodes as the zero value: the same as leaving the
 * key out (`kubernetes:` under onboarding, all of its settings commented out, is an empty struct).
 * Mappings drop such keys; list items stay, so `outputs: [null]` is still reported.
 */
export function withoutNullValues(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(withoutNullValues);
  if (typeof data !== 'object' || data === null) return data;
  // fromEntries defines own keys, so a `__proto__` key stays a key (and is reported as unknown).
  return Object.fromEntries(
    Object.entries(data)
      .filter(([, value]) => value !== null)
      .map(([key, value]) => [key, withoutNullValues(value)]),
  );
}
