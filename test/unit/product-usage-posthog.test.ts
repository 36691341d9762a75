/**
 * Product usage as PostHog events: one event per usage report under the contract's names, with
 * tp.records keyed by the anonymized name, the window's start as the time and the tenant as a
 * group; v1alpha product events under the contract's event and property names; an unknown member
 * without its unchecked bytes; the stored uuid as the PostHog uuid.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary, toJson, type Message } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { toPostHogEvent } from '../../src/collector/forward/posthog-event.js';
import { teleportEventServices } from '../../src/collector/ingest/services/teleport-events.js';
import { createUsageReportService } from '../../src/collector/ingest/services/usage-reports.js';
import { eventUuid } from '../../src/collector/store/event-identity.js';
import { InvalidRecordError, type Family, type StoredRecord } from '../../src/collector/store/record.js';
import { messageSchema } from '../../src/protocol/descriptors.js';
import { USAGE_REQUEST } from '../../src/protocol/usage-wire.js';
import { anon } from '../helpers/usage-events.js';

const NOW = new Date('2026-12-05T08:00:00.000Z');
const hmac = (name: string): Uint8Array => Buffer.from(anon(name), 'base64');
const record = (family: Family, event: unknown): StoredRecord => ({ received_at: NOW.toISOString(), family, event, uuid: eventUuid(family, event) });

describe('usage reports in PostHog', () => {
  const request = create(messageSchema(USAGE_REQUEST), {
    userActivity: [
      {
        reportUuid: Buffer.from('00112233445566778899aabbccddeeff', 'hex'),
        clusterName: hmac('prod'),
        reporterHostid: hmac('auth-1'),
        startTime: timestampFromMs(Date.parse('2026-12-05T07:45:00.123Z')),
        records: [
          { userName: hmac('alice'), userKind: 1, logins: 2n, sshSessions: 5n },
          { userName: hmac('ci'), userKind: 2, certificatesIssued: 7n },
        ],
      },
    ],
    resourcePresence: [
      {
        reportUuid: Buffer.from('00112233445566778899aabbccddee00', 'hex'),
        clusterName: hmac('prod'),
        reporterHostid: hmac('auth-1'),
        startTime: timestampFromMs(Date.parse('2026-12-05T07:00:00.000Z')),
        resourceKindReports: [
          { resourceKind: 1, resourceIds: [1n, 2n, 3n] },
          { resourceKind: 6, resourceIds: [9n] },
        ],
      },
    ],
  } as never);
  const [user, presence] = createUsageReportService()
    .accept('proto', Buffer.from(toBinary(messageSchema(USAGE_REQUEST), request)), NOW, { tenant: 'acme' })
    .events.map((event) => record('usage', event));

  it('sends tp.user.activity with tp.records keyed by the anonymized user name, the window start as its time, the tenant as a group', () => {
    const event = toPostHogEvent(user!);
    assert.equal(event.event, 'tp.user.activity');
    assert.equal(event.timestamp, '2026-12-05T07:45:00.123Z');
    assert.equal(event.uuid, user!.uuid, 'the stored identity is the PostHog uuid');
    assert.equal(event.uuid, eventUuid('usage', { tenant: 'acme', report_uuid: '00112233-4455-6677-8899-aabbccddeeff' }), '(tenant, report_uuid) is the identity');
    assert.equal(event.properties['tp.report_uuid'], '00112233-4455-6677-8899-aabbccddeeff');
    assert.equal(event.properties['tp.cluster_name'], anon('prod'));
    assert.equal(event.properties['tp.reporter_hostid'], anon('auth-1'));
    assert.equal(event.properties['tp.report_time'], NOW.toISOString());
    assert.deepEqual(event.properties['$groups'], { tenant: 'acme' });
    const records = event.properties['tp.records'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(records), [anon('alice'), anon('ci')]);
    assert.equal(records[anon('alice')]!['logins'], 2);
    assert.equal(records[anon('alice')]!['ssh_sessions'], 5);
    assert.equal(records[anon('alice')]!['user_kind'], 'human');
    assert.equal(records[anon('ci')]!['user_kind'], 'bot');
    const { $groups: _groups, ...rest } = event.properties;
    assert.ok(!JSON.stringify(rest).includes('acme'), 'the tenant is only the group, never among the anonymized properties');
  });

  it('sends tp.resource.counts with the active resources per kind', () => {
    const event = toPostHogEvent(presence!);
    assert.equal(event.event, 'tp.resource.counts');
    assert.deepEqual(event.properties['tp.resource_counts'], { node: 3, 'node.openssh': 1 });
  });

  it('stores a report without its zero values, and sends every field of every record, zeros included, as a store that kept them would', () => {
    const [alice, ci] = (user!.event as { report: { records: Record<string, unknown>[] } }).report.records;
    assert.deepEqual(Object.keys(alice!).sort(), ['logins', 'ssh_sessions', 'user_kind', 'user_name']);
    assert.deepEqual(Object.keys(ci!).sort(), ['certificates_issued', 'user_kind', 'user_name']);
    // The store before this one wrote every implicit field; a line of either kind leaves the same.
    const written = request as Message & { userActivity: Message[] };
    const everyField = structuredClone(user!) as StoredRecord<{ report: unknown }>;
    everyField.event.report = toJson(messageSchema('prehog.v1.UserActivityReport'), written.userActivity[0]!, { useProtoFieldName: true, alwaysEmitImplicit: true });
    assert.ok(JSON.stringify(everyField).length > JSON.stringify(user).length * 1.5, 'the old form is the larger one');
    assert.equal(JSON.stringify(toPostHogEvent(user!)), JSON.stringify(toPostHogEvent(everyField)));
    const records = toPostHogEvent(user!).properties['tp.records'] as Record<string, Record<string, unknown>>;
    assert.equal(records[anon('ci')]!['logins'], 0);
    assert.equal(records[anon('alice')]!['certificates_issued'], 0);
    assert.deepEqual(records[anon('alice')]!['spiffe_ids_issued'], []);
  });

  it('re-checks what it read back from disk: a record key that is not anonymized never leaves', () => {
    const tampered = structuredClone(user!) as StoredRecord<{ report: { records: { user_name: string }[] } }>;
    tampered.event.report.records[0]!.user_name = 'alice';
    assert.throws(() => toPostHogEvent(tampered), InvalidRecordError);
  });
});

describe('v1alpha product events in PostHog', () => {
  const [submitEvent] = teleportEventServices;
  const accept = (body: Record<string, unknown>) =>
    record(
      'teleport',
      submitEvent!.accept('json', Buffer.from(JSON.stringify({ clusterName: anon('prod'), timestamp: NOW.toISOString(), teleportVersion: '17.1.0', ...body })), NOW, {
        tenant: 'acme',
      }).events[0],
    );

  it('names events and properties as the contract does, the tenant as a group', () => {
    const login = toPostHogEvent(accept({ userLogin: { userName: anon('alice'), connectorType: 'saml' } }));
    assert.equal(login.event, 'tp.user.login');
    assert.equal(login.distinct_id, anon('alice'));
    assert.equal(login.properties['tp.user_name'], anon('alice'));
    assert.equal(login.properties['tp.connector_type'], 'saml');
    assert.equal(login.properties['tp.cluster_name'], anon('prod'));
    assert.equal(login.properties['tp.teleport_version'], '17.1.0');
    assert.deepEqual(login.properties['$groups'], { tenant: 'acme' });
    const cert = toPostHogEvent(accept({ userCertificateIssuedEvent: { userName: anon('bob'), ttl: '28800s', isBot: false } }));
    assert.equal(cert.event, 'tp.certificate.issued');
    assert.equal(cert.properties['tp.ttl_minutes'], 480);
    const svid = toPostHogEvent(accept({ spiffeSvidIssued: { userName: anon('bot-ci'), spiffeId: anon('spiffe://x'), svidType: 'jwt', ipSansCount: 1 } }));
    assert.equal(svid.event, 'tp.spiffe.svid.issued');
    assert.equal(svid.properties['tp.spiffe.id'], anon('spiffe://x'));
    assert.equal(svid.properties['tp.spiffe.svid_type'], 'jwt');
    const heartbeat = toPostHogEvent(accept({ resourceHeartbeat: { resourceName: anon('node-1'), resourceKind: 'RESOURCE_KIND_NODE_OPENSSH', static: true } }));
    assert.equal(heartbeat.event, 'tp.resource.hb');
    assert.equal(heartbeat.properties['tp.resource_name'], anon('node-1'));
    assert.equal(heartbeat.properties['tp.resource_type'], 'node.openssh');
    assert.equal(heartbeat.properties['tp.is_static'], true);
    assert.equal(toPostHogEvent(accept({ kubeRequest: { userName: anon('bot-ci'), userKind: 'USER_KIND_BOT' } })).properties['tp.user_kind'], 'bot');
    const sso = toPostHogEvent(accept({ ssoCreate: { connectorType: 'oidc' } }));
    assert.equal(sso.event, 'tp.sso_create', 'a member without a name in the contract: tp. + its proto name');
    assert.equal(sso.distinct_id, anon('prod'));
  });

  it('sends an unknown member as tp.unknown_event with its number, never its unchecked bytes', () => {
    const stored = record('teleport', {
      tenant: 'acme',
      request: { clusterName: anon('prod'), timestamp: NOW.toISOString(), teleportVersion: '' },
      unknown: { number: 97, bytes: 'CAES' },
    });
    const event = toPostHogEvent(stored);
    assert.equal(event.event, 'tp.unknown_event');
    assert.equal(event.properties['tp.event_number'], 97);
    assert.ok(!JSON.stringify(event).includes('CAES'));
  });
});
