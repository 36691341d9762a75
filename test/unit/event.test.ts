import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStartEvent } from '../../src/analytics/event.js';
import { buildSubmitRequest, PayloadRejectedError } from '../../src/analytics/payload.js';
import { fromWireStart, toWireStart } from '../../src/protocol/tbot-wire.js';
import type { BotConfig, OutputConfig } from '../../src/config/types.js';

const memory = { type: 'memory' } as const;
const lifetime = { credentialTtlMs: 3_600_000, renewalIntervalMs: 1_200_000 };
const base = (name: string) => ({ name, destination: memory, roles: ['access'], lifetime });
const outputs: OutputConfig[] = [
  { ...base('a'), type: 'identity', sshConfig: 'on', allowReissue: false },
  { ...base('b'), type: 'database', service: 'pg', format: 'default' },
  { ...base('c'), type: 'database', service: 'pg2', format: 'mongo' },
  { ...base('d'), type: 'kubernetes', kubernetesCluster: 'k', disableExecPlugin: false },
  { ...base('e'), type: 'application', appName: 'grafana', specificTlsNaming: false },
  { ...base('f'), type: 'ssh_host', principals: ['h'] },
  { ...base('g'), type: 'spiffe-svid', svid: { path: '/svc', dnsSans: [], ipSans: [] }, jwts: [], includeFederatedTrustBundles: false },
];
/** The kinds issue 7 added: kubernetes/v2 counts as Kubernetes access, the workload identities only in the total. */
const newKinds: OutputConfig[] = [
  { ...base('h'), type: 'kubernetes/v2', selectors: [{ name: 'k1' }, { name: 'k2' }], disableExecPlugin: true },
  { ...base('i'), type: 'workload-identity-x509', selector: { name: 'wi' }, includeFederatedTrustBundles: false },
  { ...base('j'), type: 'workload-identity-jwt', selector: { name: 'wi' }, audiences: ['aud'] },
];

function config(overrides: Partial<BotConfig> = {}): BotConfig {
  return { joinMethod: 'github', storage: memory, outputs, oneshot: true, debug: false, ...lifetime, warnings: [], ...overrides };
}

describe('the tbot.start event', () => {
  it('counts destinations per kind; identity, ssh_host and spiffe-svid only in the total', () => {
    const { event } = buildStartEvent(config(), {}, '1.2.3');
    assert.deepEqual(event, {
      run_mode: 'one-shot',
      version: '1.2.3',
      join_type: 'github',
      destinations_configured: 7,
      destinations_configured_database_access: 2,
      destinations_configured_kubernetes_access: 1,
      destinations_configured_application_access: 1,
    });
  });

  it('counts kubernetes/v2 as Kubernetes access and the workload identity outputs in the total only', () => {
    const { event } = buildStartEvent(config({ outputs: [...outputs, ...newKinds] }), {}, '1.2.3');
    assert.equal(event.destinations_configured, 10);
    assert.equal(event.destinations_configured_kubernetes_access, 2);
    assert.equal(event.destinations_configured_database_access, 2);
    assert.equal(event.destinations_configured_application_access, 1);
  });

  it('reports the configured join method, including ones tbot added lately (env0, generic_oidc)', () => {
    for (const joinMethod of ['env0', 'generic_oidc', 'bound_keypair'] as const) {
      const { event } = buildStartEvent(config({ joinMethod }), {}, '1.2.3');
      assert.equal(event.join_type, joinMethod);
      assert.doesNotThrow(() => buildSubmitRequest(event, { randomUUID: () => '3b241101-e2bb-4255-8caf-4136c566a962', now: () => new Date() }));
    }
  });

  it('continuous runs report run_mode continuous', () => {
    assert.equal(buildStartEvent(config({ oneshot: false }), {}, '1.2.3').event.run_mode, 'continuous');
  });

  it('takes helper and helper_version from the CI helper env vars', () => {
    const { event, dropped } = buildStartEvent(config(), { _TBOT_TELEMETRY_HELPER: 'gha:teleport-actions/auth', _TBOT_TELEMETRY_HELPER_VERSION: '1.2.0' }, '1.2.3');
    assert.equal(event.helper, 'gha:teleport-actions/auth');
    assert.equal(event.helper_version, '1.2.0');
    assert.deepEqual(dropped, []);
  });

  it('drops helper strings that could identify someone, and says why without echoing them', () => {
    const { event, dropped } = buildStartEvent(config(), { _TBOT_TELEMETRY_HELPER: '/home/alice/helper', _TBOT_TELEMETRY_HELPER_VERSION: 'alice@example.com' }, '1.2.3');
    assert.equal(event.helper, undefined);
    assert.equal(event.helper_version, undefined);
    assert.equal(dropped.length, 2);
    assert.ok(dropped.every((reason) => !reason.includes('alice')));
  });
});

describe('the wire encoding (SubmitTbotEventRequest, ProtoJSON)', () => {
  const deps = { randomUUID: () => '3b241101-e2bb-4255-8caf-4136c566a962', now: () => new Date('2026-11-23T07:00:00Z') };

  it('maps to prehog field names, with destinationsOther = total minus the three named kinds', () => {
    const { event } = buildStartEvent(config({ oneshot: false }), { _TBOT_TELEMETRY_HELPER: 'gha:x/y' }, '1.2.3');
    assert.deepEqual(buildSubmitRequest(event, deps), {
      distinctId: '3b241101-e2bb-4255-8caf-4136c566a962',
      timestamp: '2026-11-23T07:00:00.000Z',
      start: {
        runMode: 'RUN_MODE_DAEMON',
        version: '1.2.3',
        joinType: 'github',
        helper: 'gha:x/y',
        destinationsOther: 3,
        destinationsDatabase: 2,
        destinationsKubernetes: 1,
        destinationsApplication: 1,
      },
    });
  });

  it('round-trips back to the usage-metrics names', () => {
    const { event } = buildStartEvent(config(), { _TBOT_TELEMETRY_HELPER: 'gha:x/y', _TBOT_TELEMETRY_HELPER_VERSION: '2.0.0' }, '1.2.3');
    assert.deepEqual(fromWireStart(toWireStart(event)), event);
  });

  it('refuses to build a payload the schema rejects (not a UUID)', () => {
    const { event } = buildStartEvent(config(), {}, '1.2.3');
    assert.throws(() => buildSubmitRequest(event, { ...deps, randomUUID: () => 'host-alice-01' }), PayloadRejectedError);
  });

  it('refuses an absurd destination count', () => {
    const many = Array.from({ length: 10_001 }, () => outputs[0] as OutputConfig);
    const { event } = buildStartEvent(config({ outputs: many }), {}, '1.2.3');
    assert.throws(() => buildSubmitRequest(event, deps), PayloadRejectedError);
  });
});
