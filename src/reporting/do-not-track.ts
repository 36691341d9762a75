/** The one rule for DO_NOT_TRACK, shared by the agent's consent and the reporter's ConsentStore. */
import { parseGoBool } from './parse-bool.js';

export type Env = Readonly<Record<string, string | undefined>>;

export const DO_NOT_TRACK = 'DO_NOT_TRACK';

/**
 * DO_NOT_TRACK is an opt-out, so anything that is not plainly false counts: "1", "yes", "true"
 * all opt out, and only unset, empty or a Go-false value ("0", "false") leave the choice to others.
 */
export function doNotTrackIsSet(env: Env): boolean {
  const value = env[DO_NOT_TRACK];
  return value !== undefined && value !== '' && parseGoBool(value) !== false;
}
