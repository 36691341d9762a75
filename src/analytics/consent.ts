/**
 * Decides, in one place, whether anonymous analytics is on and which input decided it.
 * Precedence: DO_NOT_TRACK > CLI flag > TELEPORT_ANONYMOUS_TELEMETRY > YAML > default (off).
 */
import { doNotTrackIsSet } from '../reporting/do-not-track.js';
import { parseGoBool } from '../reporting/parse-bool.js';
import { ENV, type Env } from './env.js';

export { doNotTrackIsSet };

export type ConsentSource = 'DO_NOT_TRACK' | 'flag' | 'env' | 'config' | 'default';

export interface ConsentInput {
  env: Env;
  /** --anonymous-analytics (true) / --no-anonymous-analytics (false); undefined when absent. */
  flag?: boolean;
  /** The YAML's anonymous_analytics; undefined when the file is silent. */
  config?: boolean;
}

export interface Consent {
  enabled: boolean;
  source: ConsentSource;
  /** Human wording of the deciding input, e.g. "--no-anonymous-analytics". */
  decidedBy: string;
  warnings: readonly string[];
}

export function resolveConsent(input: ConsentInput): Consent {
  const warnings: string[] = [];
  const envText = input.env[ENV.optIn];
  const envValue = envText === undefined || envText === '' ? undefined : parseGoBool(envText);
  if (envText !== undefined && envText !== '' && envValue === undefined) {
    warnings.push(`ignoring ${ENV.optIn}=${JSON.stringify(envText)}: expected 1, t, true, 0, f or false (as Go's strconv.ParseBool)`);
  }

  if (doNotTrackIsSet(input.env)) return { enabled: false, source: 'DO_NOT_TRACK', decidedBy: `${ENV.doNotTrack}=${input.env[ENV.doNotTrack]}`, warnings };
  if (input.flag !== undefined) {
    return { enabled: input.flag, source: 'flag', decidedBy: input.flag ? '--anonymous-analytics' : '--no-anonymous-analytics', warnings };
  }
  if (envValue !== undefined) return { enabled: envValue, source: 'env', decidedBy: `${ENV.optIn}=${envText}`, warnings };
  if (input.config !== undefined) return { enabled: input.config, source: 'config', decidedBy: `anonymous_analytics: ${input.config}`, warnings };
  return { enabled: false, source: 'default', decidedBy: 'nothing opted in', warnings };
}
