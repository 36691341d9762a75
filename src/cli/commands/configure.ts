/**
 * `tbot configure [kind]`: the YAML config that the same flags of `start` describe, on stdout or
 * written atomically with -o. As in tbot it reads no config file; it loads what it prints once,
 * so a config it writes is one `start -c` accepts.
 */
import { resolve } from 'node:path';
import { applyFlagOverrides } from '../../config/flag-overrides.js';
import { loadConfig } from '../../config/load-config.js';
import { renderConfigYaml } from '../../config/render-yaml.js';
import { describeFsError } from '../../fs/describe-fs-error.js';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import type { CommandDef, Invocation } from '../command-table.js';
import { configFlags } from '../config-input.js';
import { reportFatal } from '../report-error.js';
import type { Runtime } from '../runtime.js';

export async function run(invocation: Invocation, runtime: Runtime, command: CommandDef): Promise<number> {
  let text: string;
  try {
    const flags = configFlags(command, invocation);
    const config = await loadConfig({ flags, cwd: runtime.cwd, readFile: runtime.readFile, realPath: runtime.realPath });
    text = renderConfigYaml(applyFlagOverrides({ version: 'v2' }, flags).raw, config);
  } catch (error) {
    return reportFatal(error, runtime.stderr);
  }
  if (invocation.values['config'] !== undefined || invocation.values['config-string'] !== undefined) {
    runtime.stderr('note: configure builds the config from its flags only; the config file given is not read\n');
  }
  const output = invocation.values['output'];
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
  runtime.stderr(`generated config file written to ${path}\n`);
  return 0;
}
