import { applyFlagOverrides } from '../../config/flag-overrides.js';
import { loadConfig } from '../../config/load-config.js';
import { renderConfigYaml } from '../../config/render-yaml.js';
import type { CommandDef, Invocation } from '../command-types.js';
import { emitConfig } from '../config-output.js';
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
  return emitConfig(text, output, runtime, 'generated');
}
