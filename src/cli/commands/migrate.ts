/**
 * `tbot migrate -c OLD.yaml [-o NEW.yaml]`: a v1 config in the v2 layout, on stdout or written
 * atomically, as tbot's command does. The result is loaded once before it is printed, so what
 * migrate writes is a config `start -c` accepts; a file already in v2 is printed as loaded.
 */
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, readDocument } from '../../config/load-config.js';
import { migrateV1Config } from '../../config/migrate-v1.js';
import { MIGRATE_HEADER, renderConfigYaml } from '../../config/render-yaml.js';
import { UsageError } from '../../errors.js';
import type { CommandDef, Invocation } from '../command-types.js';
import { emitConfig } from '../config-output.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';

function isV2(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>)['version'] === 'v2';
}

export async function run(invocation: Invocation, runtime: Runtime, _command: CommandDef): Promise<number> {
  const source = invocation.values['config'];
  const output = invocation.values['output'];
  let text: string;
  try {
    if (typeof source !== 'string') throw new UsageError('the config to migrate must be given with -c FILE');
    if (typeof output === 'string' && resolve(runtime.cwd, output) === resolve(runtime.cwd, source)) {
      throw new UsageError('the migrated config must not overwrite the config it comes from: give -o another path');
    }
    const original = await readDocument({ kind: 'file', path: source }, runtime.readFile);
    const alreadyV2 = isV2(original.data);
    const raw = alreadyV2 ? (original.data as Record<string, unknown>) : migrateV1Config(original.data, original.locate);
    if (alreadyV2) runtime.stderr(`note: ${source} is already a v2 config; it is printed as this agent reads it\n`);
    const migrated = stringify(raw);
    // Loaded as the file it will become: whatever the v2 rules refuse is found now, not at start.
    const config = await loadConfig({
      source: { kind: 'file', path: `${source} (migrated)` },
      flags: {},
      cwd: runtime.cwd,
      readFile: async () => migrated,
      realPath: runtime.realPath,
    });
    text = renderConfigYaml(raw, config, MIGRATE_HEADER);
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
  return emitConfig(text, output, runtime, 'migrated');
}
