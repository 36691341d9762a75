/** `tbot version`. */
import { BUILD } from '../../version.js';
import type { Runtime } from '../runtime.js';

export async function run(_invocation: unknown, runtime: Runtime): Promise<number> {
  runtime.stdout(`tbot v${BUILD.version}\n`);
  return 0;
}
