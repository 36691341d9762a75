/**
 * Why a CI helper's self-description (_TBOT_TELEMETRY_HELPER, _TBOT_TELEMETRY_HELPER_VERSION) is
 * not sent, in plain words a helper's author can act on. The allow-list itself is the wire
 * schema's (validateHelperName / validateHelperVersion); this only says which of its rules the
 * value breaks. Pure.
 */
import { validateHelperName, validateHelperVersion } from '../schemas/validators.js';
import { ENV, type Env } from './env.js';

export const HELPER_CIS = ['gha', 'gitlab', 'circleci', 'bitbucket', 'azure-devops', 'jenkins', 'buildkite', 'spacelift', 'terraform-cloud'] as const;
const NAME_MAX = 64;
const VERSION_MAX = 32;

export interface DroppedHelper {
  /** The env var. */
  name: string;
  /** The value as set: shown to the person running the command, never sent or logged. */
  value: string;
  /** The rule it breaks, in plain words. */
  reason: string;
}

const quoted = (chars: Iterable<string>): string => [...chars].map((char) => JSON.stringify(char)).join(', ');

/** The rules of the helper-name allow-list that `value` breaks (it has already failed the schema). */
export function explainHelperName(value: string): string {
  const rule = `a helper name may only contain lower-case letters, digits and single hyphens, as <ci>:<org>/<action> (such as gha:teleport-actions/auth) or a bare CI name; <ci> is one of ${HELPER_CIS.join(', ')}`;
  const found: string[] = [];
  if (value.length > NAME_MAX) found.push(`it is ${value.length} characters long, more than ${NAME_MAX}`);
  const upper = new Set(value.match(/[A-Z]/g) ?? []);
  if (upper.size > 0) found.push(`it has upper-case letters (${quoted(upper)})`);
  const other = new Set(value.match(/[^a-zA-Z0-9:/-]/g) ?? []);
  if (other.size > 0) found.push(`it has characters outside that set (${quoted(other)})`);
  const colon = value.indexOf(':');
  const ci = colon < 0 ? value : value.slice(0, colon);
  if (!(HELPER_CIS as readonly string[]).includes(ci)) found.push(`${JSON.stringify(ci)} is not one of the CI names`);
  if (colon >= 0 && !/^[^/]+\/[^/]+$/.test(value.slice(colon + 1))) found.push('after the CI name it needs exactly one <org>/<action>');
  if (found.length === 0) found.push('its words must each start with a letter, with no doubled or trailing hyphens');
  return `${rule}; here ${found.join('; ')}`;
}

export function explainHelperVersion(value: string): string {
  const rule =
    'a helper version must be a semantic version MAJOR.MINOR.PATCH (numbers of up to six digits, an optional leading v), optionally with -alpha, -beta, -rc, -pre or -dev and a number, such as 2.0.3 or 1.2.0-rc.1';
  return value.length > VERSION_MAX ? `${rule}; here it is ${value.length} characters long, more than ${VERSION_MAX}` : rule;
}

/** The helper values set in `env` that the allow-list refuses, with why. */
export function droppedHelpers(env: Env): DroppedHelper[] {
  const checks = [
    { name: ENV.helper, valid: validateHelperName, explain: explainHelperName },
    { name: ENV.helperVersion, valid: validateHelperVersion, explain: explainHelperVersion },
  ];
  return checks.flatMap(({ name, valid, explain }) => {
    const value = env[name];
    if (value === undefined || value === '' || valid(value)) return [];
    return [{ name, value, reason: explain(value) }];
  });
}
