/** The config validators are split by kind: the split covers the schema exactly, and checks what the whole schema checks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import { validateRawConfig } from '../../src/config/validate-config.js';
import { createSchemaAjv } from '../../src/schemas/catalog.js';
import { CONFIG_ENTRY_KINDS, CONFIG_SECTION_MODULES } from '../../src/schemas/config-sections.js';
import { CLUSTER_ONLY_TYPES } from '../../src/config/cluster-only.js';

const schemaKinds = configSchema.definitions.entry.oneOf.map((branch) => branch.properties.type.const);

describe('config validators by kind', () => {
  it('every entry kind of the schema is in exactly one module, and no module names a kind the schema lacks', () => {
    assert.deepEqual([...CONFIG_ENTRY_KINDS].sort(), [...schemaKinds].sort());
    assert.equal(new Set(CONFIG_ENTRY_KINDS).size, CONFIG_ENTRY_KINDS.length);
  });

  it('the not-served module holds exactly the cluster-only kinds and tbot’s example service', () => {
    assert.deepEqual([...CONFIG_SECTION_MODULES['not-served']].sort(), [...Object.keys(CLUSTER_ONLY_TYPES), 'example'].sort());
  });

  it('finds the same problems, at the same places, as the whole schema does', async () => {
    const whole = createSchemaAjv().getSchema(configSchema.$id);
    assert.ok(whole !== undefined);
    const configs: unknown[] = [
      { version: 'v2' },
      { version: 'v3', oneshot: 'yes', onboarding: { tokne: 'x' } },
      { version: 'v2', storage: { type: 'directory' }, outputs: [{ type: 'identity', destination: { type: 'memory' }, roles: 'editor', extra: 1 }] },
      {
        version: 'v2',
        services: [
          { type: 'database', destination: { type: 'directory', path: '/d', mode: 1 } },
          { type: 'spiffe-svid', svid: { path: 3 }, destination: { type: 'memory' } },
        ],
      },
      { version: 'v2', outputs: [{ type: 'kubernetes/v2', selectors: [{ name: '' }], destination: { type: 'memory' } }, 'not a mapping'] },
      { version: 'v2', outputs: [{ type: 'workload-identity-jwt', selector: { name: 'w' }, audiences: [], destination: { type: 'memory' } }] },
    ];
    const where = (errors: readonly { instancePath: string; keyword: string; params: unknown }[]): string[] =>
      errors
        .filter((error) => error.keyword !== 'oneOf')
        .map((error) => `${error.instancePath} ${error.keyword} ${JSON.stringify(error.params)}`)
        .sort();
    for (const config of configs) {
      whole(config);
      assert.deepEqual(where(await validateRawConfig(config, () => false)), where(whole.errors ?? []), JSON.stringify(config));
    }
  });

  it('an unknown or missing type is reported in the discriminator’s own shape', async () => {
    const errors = await validateRawConfig({ version: 'v2', outputs: [{ type: 'kubernetes/v3' }, { destination: {} }] }, () => false);
    assert.deepEqual(
      errors.map((error) => [error.instancePath, error.keyword, error.params['error'], error.params['tagValue']]),
      [
        ['/outputs/0', 'discriminator', 'mapping', 'kubernetes/v3'],
        ['/outputs/1', 'discriminator', 'tag', undefined],
      ],
    );
  });
});
