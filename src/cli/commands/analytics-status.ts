/** `tbot analytics status`: say whether analytics is on, what decided, and where it would go; send nothing. */
import { resolveEndpoint } from '../../analytics/endpoint.js';
import { EndpointError } from '../../errors.js';
import { BUILD } from '../../version.js';
import type { CommandDef, Invocation } from '../command-types.js';
import { howToSet } from '../consent-advice.js';
import { consentFor, hasConfigInput, resolveOrReport } from '../config-input.js';
import type { Runtime } from '../runtime.js';
import { WHAT_IS_SENT, WHAT_IS_SENT_SECTION } from '../what-is-sent.js';

export async function run(invocation: Invocation, runtime: Runtime, command: CommandDef): Promise<number> {
  // Only a config that says something can change the answer; the defaults need not be loaded.
  const resolved = hasConfigInput(command, invocation) ? await resolveOrReport(command, invocation, runtime) : { consent: consentFor(invocation, runtime) };
  if ('exitCode' in resolved) return resolved.exitCode;
  const { consent } = resolved;
  let endpoint: { url?: string; source: string; error?: string };
  try {
    const resolvedEndpoint = resolveEndpoint(runtime.env, BUILD.defaultAnalyticsEndpoint);
    endpoint = { url: resolvedEndpoint.base, source: resolvedEndpoint.source };
  } catch (error) {
    if (!(error instanceof EndpointError)) throw error;
    endpoint = { source: error.source, error: error.reason };
  }
  const change = howToSet(!consent.enabled, consent);
  if (invocation.values['format'] === 'json') {
    const docs = { command: 'tbot analytics preview', readme_section: WHAT_IS_SENT_SECTION };
    runtime.stdout(`${JSON.stringify({ enabled: consent.enabled, source: consent.source, decided_by: consent.decidedBy, endpoint, warnings: consent.warnings, docs, change })}\n`);
  } else {
    for (const warning of consent.warnings) runtime.stderr(`warning: ${warning}\n`);
    runtime.stdout(
      [
        `Anonymous analytics: ${consent.enabled ? 'enabled' : 'disabled'}`,
        `Decided by: ${consent.source} (${consent.decidedBy})`,
        `Endpoint: ${endpoint.url ?? `invalid: ${endpoint.error}`} (from ${endpoint.source})`,
        `What is sent: ${WHAT_IS_SENT}`,
        `To turn it ${consent.enabled ? 'off' : 'on'}: ${change.join('\n  ')}`,
        '',
      ].join('\n'),
    );
  }
  return 0;
}
