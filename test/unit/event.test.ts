import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStartEvent } from '../../src/analytics/event.js';
import { TBOT_REPORTING_SERVICE, TbotStart } from '../../src/analytics/services.js';
import { renderSingle } from '../../src/reporting/index.js';
import { fromWireStart, toWireStart, type TbotStartEvent } from '../../src/protocol/tbot-wire.js';
import type { BotConfig, OutputConfig } from '../../src/config/types.js';
import { botConfig, output } from '../helpers/bot-config.js';

const roles = { roles: ['access'] };
const outputs: OutputConfig[] = [
  output({ type: 'identity', sshConfig: 'on', allowReissue: false }, roles),
  output({ type: 'database', service: 'pg', format: 'default' }, roles),
  output({ type: 'database', service: 'pg2', format: 'mongo' }, roles),
  output({ type: 'kubernetes', kubernetesCluster: 'k', disableExecPlugin: false }, roles),
  output({ type: 'application', appName: 'grafana', specificTlsNaming: false }, roles),
  output({ type: 'ssh_host', principals: ['h'] }, roles),
  output({ type: 'spiffe-svid', svid: { path: '/svc', dnsSans: [], ipSans: [] }, jwts: [], includeFederatedTrustBundles: false }, roles),
];
/** The kinds issue 7 added: kubernetes/v2 counts as Kubernetes access, the workload identities only in the total. */
const newKinds: OutputConfig[] = [
  output({ type: 'kubernetes/v2', selectors: [{ name: 'k1' }, { name: 'k2' }], disableExecPlugin: true }, roles),
  output({ type: 'workload-identity-x509', selector: { name: 'wi' }, includeFederatedTrustBundles: false }, roles),
  output({ type: 'workload-identity-jwt', selector: { name: 'wi' }, audiences: ['aud'] }, roles),
];

function config(overrides: Partial<BotConfig> = {}): BotConfig {
  return botConfig({ joinMethod: 'github', outputs, ...overrides });
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
      const rendered = renderSingle(TBOT_REPORTING_SERVICE, { distinctId: '3b241101-e2bb-4255-8caf-4136c566a962', timestamp: new Date().toISOString() }, TbotStart, event);
      assert.ok('body' in rendered, JSON.stringify(rendered));
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
  const meta = { distinctId: '3b241101-e2bb-4255-8caf-4136c566a962', timestamp: new Date('2026-11-23T07:00:00Z').toISOString() };
  const render = (event: TbotStartEvent, distinctId = meta.distinctId) => renderSingle(TBOT_REPORTING_SERVICE, { ...meta, distinctId }, TbotStart, event);

  it('maps to prehog field names, with destinationsOther = total minus the three named kinds', () => {
    const { event } = buildStartEvent(config({ oneshot: false }), { _TBOT_TELEMETRY_HELPER: 'gha:x/y' }, '1.2.3');
    assert.deepEqual(render(event), {
      body: {
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
      },
    });
  });

  it('round-trips back to the usage-metrics names', () => {
    const { event } = buildStartEvent(config(), { _TBOT_TELEMETRY_HELPER: 'gha:x/y', _TBOT_TELEMETRY_HELPER_VERSION: '2.0.0' }, '1.2.3');
    assert.deepEqual(fromWireStart(toWireStart(event)), event);
  });

  it('refuses to build a payload the schema rejects (not a UUID)', () => {
    const { event } = buildStartEvent(config(), {}, '1.2.3');
    assert.deepEqual(render(event, 'host-alice-01'), {
      problem: 'tbot.start failed its schema: /distinctId must match pattern "^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"',
    });
  });

  it('refuses an absurd destination count', () => {
    const many = Array.from({ length: 10_001 }, () => outputs[0] as OutputConfig);
    const { event } = buildStartEvent(config({ outputs: many }), {}, '1.2.3');
    assert.match((render(event) as { problem: string }).problem, /^tbot\.start failed its schema: \/start\/destinationsOther must be <= 10000/);
  });
});
