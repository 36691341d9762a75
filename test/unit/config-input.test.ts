/**
 * `analytics status` loads no config when nothing on the command line or in the env gives it
 * anything (config-input.ts: hasConfigInput). That is only right if the defaults always load and
 * decide consent exactly as consentFor does without them; checked here for every combination of
 * the inputs consent reads. And every flag that sets a config key counts as config input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TBOT_COMMANDS } from '../../src/cli/command-table.js';
import type { CommandDef, Invocation } from '../../src/cli/command-types.js';
import { consentFor, hasConfigInput, resolveConfigAndConsent } from '../../src/cli/config-input.js';
import { processRuntime } from '../../src/cli/runtime.js';
import { FLAG_NAMES } from '../../src/config/flag-overrides.js';

const status = TBOT_COMMANDS.find((command) => command.name === 'analytics')!.subcommands!.find((command) => command.name === 'status') as CommandDef;
const invocation = (values: Invocation['values']): Invocation => ({ path: ['analytics', 'status'], values, labels: {}, fromEnv: {} });

describe('analytics status without config input', () => {
  it('decides consent as loading the default config would, whatever the env and flag say', async () => {
    const envs = [
      {},
      { DO_NOT_TRACK: '1' },
      { TELEPORT_ANONYMOUS_TELEMETRY: '1' },
      { TELEPORT_ANONYMOUS_TELEMETRY: 'maybe' },
      { TELEPORT_ANONYMOUS_TELEMETRY: '0', DO_NOT_TRACK: '' },
    ];
    const flags: Invocation['values'][] = [{}, { 'anonymous-analytics': true }, { 'anonymous-analytics': false }, { format: 'json' }];
    for (const env of envs) {
      for (const values of flags) {
        const runtime = { ...processRuntime(), env, cwd: '/nonexistent/cwd' };
        const given = invocation(values);
        assert.equal(hasConfigInput(status, given), false, JSON.stringify(values));
        const loaded = await resolveConfigAndConsent(status, given, runtime);
        assert.deepEqual(consentFor(given, runtime), loaded.consent, `${JSON.stringify(env)} ${JSON.stringify(values)}`);
      }
    }
  });

  it('counts a config source and every flag that sets a config key as config input', () => {
    assert.equal(hasConfigInput(status, invocation({ config: 'tbot.yaml' })), true);
    assert.equal(hasConfigInput(status, invocation({ 'config-string': 'dmVyc2lvbjogdjI=' })), true);
    for (const dashed of Object.values(FLAG_NAMES)) {
      assert.equal(hasConfigInput(status, invocation({ [dashed.slice(2)]: dashed === '--ca-pin' ? ['sha256:x'] : 'x' })), true, dashed);
    }
    const kind = TBOT_COMMANDS.find((command) => command.name === 'start')!.subcommands!.find((command) => command.name === 'identity')!;
    assert.equal(hasConfigInput(kind, invocation({})), true, 'a start <kind> adds an entry');
  });
});
