/** The tbot report's filters from what a person typed, for the CLI's flags and the dashboard's query. */
import type { ReceivedRunMode } from '../../../protocol/tbot-wire.js';
import { NONE, type TbotFilters } from './fold.js';

export function tbotFilters(given: { version?: string | undefined; helper?: string | undefined; runMode?: ReceivedRunMode | undefined }): TbotFilters {
  return {
    ...(given.version === undefined ? {} : { version: given.version }),
    // "none" is easier to type than "(none)", which is how starts without a helper are shown.
    ...(given.helper === undefined ? {} : { helper: given.helper === 'none' ? NONE : given.helper }),
    ...(given.runMode === undefined ? {} : { runMode: given.runMode }),
  };
}
