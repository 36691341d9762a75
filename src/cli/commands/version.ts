/** `tbot version`. */
import type { CommandModule } from 'yargs';
import { BUILD } from '../../version.js';
import type { Runtime } from '../runtime.js';

export function versionCommand(runtime: Runtime): CommandModule {
  return {
    command: 'version',
    describe: 'Print the agent version',
    handler: () => runtime.stdout(`tbot v${BUILD.version}\n`),
  };
}
