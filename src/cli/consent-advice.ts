/**
 * How to change the analytics setting, said the same way by `analytics status` and by
 * `analytics enable|disable`: the config key (which `enable -c`/`disable -c` edit), the env var, and
 * what outranks both. Nothing is ever kept in $HOME: an agent usually runs as a service account
 * whose home is not a place anyone looks.
 */
import type { Consent } from '../analytics/consent.js';
import { ENV } from '../analytics/env.js';

export const CONFIG_KEY = 'anonymous_analytics';

/** The lines that say how to turn analytics on or off (`want`), given what decides it now. */
export function howToSet(want: boolean, consent: Consent): string[] {
  const lines = [
    `set \`${CONFIG_KEY}: ${want}\` in the agent's config file (\`tbot analytics ${want ? 'enable' : 'disable'} -c FILE\` edits it in place)`,
    `or set ${ENV.optIn}=${want ? '1' : '0'} in the agent's environment (its systemd unit, CI job or container)`,
  ];
  const outranking = outranks(consent);
  if (outranking !== undefined) lines.push(`note: ${outranking}`);
  return lines;
}

/** What decides now and outranks the config key, if anything does (precedence: DO_NOT_TRACK > flag > env > config). */
export function outranks(consent: Consent): string | undefined {
  switch (consent.source) {
    case 'DO_NOT_TRACK':
      return `${consent.decidedBy} turns analytics off whatever the config or ${ENV.optIn} say`;
    case 'flag':
      return `${consent.decidedBy} on the command line outranks the config key and ${ENV.optIn}`;
    case 'env':
      return `${consent.decidedBy} is set here and outranks the config key`;
    default:
      return undefined;
  }
}
