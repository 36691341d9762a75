/**
 * Teleport's two identity-security report kinds (SubmitUsageReports fields 4 and 5), end to end
 * through the pieces: the service stores them in binary and JSON alike, refuses a resource name
 * that is not the anonymizer's output, stores a closed value it does not know as `other`; the
 * way-out check passes what was stored and fails an edited line; PostHog gets one event per report
 * under the contract's names; the billing report counts them as reports, never as damage.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary, toJson, type Message } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { toPostHogEvent } from '../../src/collector/forward/posthog-event.js';
import { ConnectFailure } from '../../src/collector/ingest/connect-protocol.js';
import { createUsageReportService } from '../../src/collector/ingest/services/usage-reports.js';
import { usageFold } from '../../src/collector/report/usage/fold.js';
import { eventUuid } from '../../src/collector/store/event-identity.js';
import { checkStoredRecord } from '../../src/collector/store/record-check.js';
import type { StoredRecord } from '../../src/collector/store/record.js';
import { messageSchema } from '../../src/protocol/descriptors.js';
import { USAGE_REQUEST, type StoredUsageReport } from '../../src/protocol/usage-wire.js';
import { anon } from '../helpers/usage-events.js';

const NOW = new Date('2026-12-05T08:00:00.000Z');
const TENANT = { tenant: 'acme' };
const hmac = (name: string): Uint8Array => Buffer.from(anon(name), 'base64');
const header = (uuid: string) => ({
  reportUuid: Buffer.from(uuid, 'hex'),
  clusterName: hmac('prod'),
  reporterHostid: hmac('auth-1'),
  startTime: timestampFromMs(Date.parse('2026-12-05T07:00:00.000Z')),
});

function request(overrides: { resourceName?: string; sessionType?: string; provider?: string } = {}): Message {
  return create(messageSchema(USAGE_REQUEST), {
    identitySecuritySummariesReport: [
      {
        ...header('00112233445566778899aabbccddee04'),
        records: [
          {
            sessionType: overrides.sessionType ?? 'ssh',
            resourceName: overrides.resourceName ?? anon('node-1'),
            totalInputTokens: 1200n,
            totalOutputTokens: 300n,
            summariesGenerated: 2n,
          },
          { sessionType: 'db', resourceName: anon('postgres'), totalInputTokens: 50n, summariesGenerated: 1n },
        ],
      },
    ],
    identitySecurityReport: [
      {
        ...header('00112233445566778899aabbccddee05'),
        graphSizeRecords: [{ provider: overrides.provider ?? 'okta', totalIdentities: 40n, totalResources: 12n }],
        auditLogRecords: [{ provider: 'cloudtrail', logsIngested: 90000n }],
      },
    ],
  } as never);
}

const service = createUsageReportService();
const binary = (message: Message): Buffer => Buffer.from(toBinary(messageSchema(USAGE_REQUEST), message));
const json = (message: Message): Buffer => Buffer.from(JSON.stringify(toJson(messageSchema(USAGE_REQUEST), message)));
const stored = (event: unknown): StoredRecord => ({ received_at: NOW.toISOString(), family: 'usage', event, uuid: eventUuid('usage', event) });

describe('identity-security usage reports', () => {
  const events = service.accept('proto', binary(request()), NOW, TENANT).events as StoredUsageReport[];
  const [summaries, usage] = events;

  it('stores both kinds from binary, and the same from JSON', () => {
    assert.deepEqual(
      events.map((event) => [event.kind, event.report_uuid, event.start_time]),
      [
        ['identity_security_summaries_generated', '00112233-4455-6677-8899-aabbccddee04', '2026-12-05T07:00:00.000Z'],
        ['identity_security_usage', '00112233-4455-6677-8899-aabbccddee05', '2026-12-05T07:00:00.000Z'],
      ],
    );
    assert.deepEqual((summaries!.report['records'] as unknown[])[0], {
      session_type: 'ssh',
      resource_name: anon('node-1'),
      total_input_tokens: '1200',
      total_output_tokens: '300',
      summaries_generated: '2',
    });
    assert.deepEqual(usage!.report['graph_size_records'], [{ provider: 'okta', total_identities: '40', total_resources: '12' }]);
    assert.deepEqual(usage!.report['audit_log_records'], [{ provider: 'cloudtrail', logs_ingested: '90000' }]);
    assert.deepEqual(service.accept('json', json(request()), NOW, TENANT).events, events);
  });

  it('refuses a resource name that is not the anonymizer’s output, naming the field', () => {
    const failure = (() => {
      try {
        service.accept('proto', binary(request({ resourceName: 'node-1.example.com' })), NOW, TENANT);
      } catch (error) {
        return error as ConnectFailure;
      }
      assert.fail('accepted a clear resource name');
    })();
    assert.ok(failure instanceof ConnectFailure);
    assert.equal(failure.reason, 'not-anonymized');
    assert.match(failure.message, /^identity_security_summaries_report\[0\]\.records\[0\]\.resource_name: expected the anonymizer's output/);
  });

  it('stores a session type or provider outside its closed list as "other"', () => {
    const [edited, editedUsage] = service.accept('proto', binary(request({ sessionType: 'alice@example.com', provider: 'acme-idp' })), NOW, TENANT).events as StoredUsageReport[];
    assert.equal((edited!.report['records'] as { session_type: string }[])[0]!.session_type, 'other');
    assert.equal((editedUsage!.report['graph_size_records'] as { provider: string }[])[0]!.provider, 'other');
  });

  it('passes the way-out check as stored, and fails it once a line is edited to carry clear text', () => {
    for (const event of events) assert.ok(checkStoredRecord(stored(event)).ok, event.kind);
    const clearName = structuredClone(summaries!);
    (clearName.report['records'] as { resource_name: string }[])[0]!.resource_name = 'node-1';
    assert.deepEqual(checkStoredRecord(stored(clearName)), { ok: false, reason: "usage: report.records[0].resource_name: not the anonymizer's output" });
    const clearProvider = structuredClone(usage!);
    (clearProvider.report['audit_log_records'] as { provider: string }[])[0]!.provider = 'alice';
    assert.deepEqual(checkStoredRecord(stored(clearProvider)), { ok: false, reason: 'usage: report.audit_log_records[0].provider: not in its closed vocabulary' });
  });

  it('goes to PostHog as one event per report under the contract’s names', () => {
    const event = toPostHogEvent(stored(summaries));
    assert.equal(event.event, 'tp.identity_security.summaries_generated');
    assert.equal(event.timestamp, '2026-12-05T07:00:00.000Z');
    assert.equal(event.properties['tp.report_uuid'], '00112233-4455-6677-8899-aabbccddee04');
    assert.deepEqual(event.properties['$groups'], TENANT);
    assert.deepEqual(event.properties['tp.records'], {
      [`${anon('node-1')}:ssh`]: { total_input_tokens: 1200, total_output_tokens: 300, summaries_generated: 2 },
      [`${anon('postgres')}:db`]: { total_input_tokens: 50, total_output_tokens: 0, summaries_generated: 1 },
    });
    const usageEvent = toPostHogEvent(stored(usage));
    assert.equal(usageEvent.event, 'tp.identity_security.usage');
    assert.deepEqual(usageEvent.properties['tp.graph_size_records'], [{ provider: 'okta', total_identities: 40, total_resources: 12 }]);
    assert.deepEqual(usageEvent.properties['tp.audit_log_records'], [{ provider: 'cloudtrail', logs_ingested: 90000 }]);
  });

  it('checks the session summaries a user record says were accessed (UserActivityRecord field 25) as it checks summaries reports', () => {
    const accessed = (resourceName: string, sessionType = 'ssh') =>
      create(messageSchema(USAGE_REQUEST), {
        userActivity: [
          {
            ...header('00112233445566778899aabbccddee06'),
            records: [
              {
                userName: hmac('alice'),
                userKind: 1,
                sessionSummariesAccessed: [
                  { sessionType, resourceName, count: 2n },
                  { sessionType: 'db', resourceName: anon('postgres'), count: 1n },
                ],
              },
            ],
          },
        ],
      } as never);
    const [stored0] = service.accept('proto', binary(accessed(anon('node-1'), 'telnet')), NOW, TENANT).events as StoredUsageReport[];
    const entries = (stored0!.report['records'] as { session_summaries_accessed: Record<string, unknown>[] }[])[0]!.session_summaries_accessed;
    assert.deepEqual(entries, [
      { session_type: 'other', resource_name: anon('node-1'), count: '2' },
      { session_type: 'db', resource_name: anon('postgres'), count: '1' },
    ]);
    assert.ok(checkStoredRecord(stored(stored0)).ok);
    const records = toPostHogEvent(stored(stored0)).properties['tp.records'] as Record<string, { session_summaries_accessed: unknown }>;
    assert.deepEqual(records[anon('alice')]!.session_summaries_accessed, [
      { session_type: 'other', resource_name: anon('node-1'), count: 2 },
      { session_type: 'db', resource_name: anon('postgres'), count: 1 },
    ]);
    assert.throws(
      () => service.accept('proto', binary(accessed('node-1.example.com')), NOW, TENANT),
      (error: unknown) =>
        error instanceof ConnectFailure &&
        error.reason === 'not-anonymized' &&
        /^user_activity\[0\]\.records\[0\]\.session_summaries_accessed\[0\]\.resource_name: expected the anonymizer's output/.test(error.message),
    );
    const clear = structuredClone(stored0!);
    (clear.report['records'] as { session_summaries_accessed: { resource_name: string }[] }[])[0]!.session_summaries_accessed[1]!.resource_name = 'postgres';
    assert.deepEqual(checkStoredRecord(stored(clear)), {
      ok: false,
      reason: "usage: report.records[0].session_summaries_accessed[1].resource_name: not the anonymizer's output",
    });
    const openType = structuredClone(stored0!);
    (openType.report['records'] as { session_summaries_accessed: { session_type: string }[] }[])[0]!.session_summaries_accessed[0]!.session_type = 'alice';
    assert.equal(checkStoredRecord(stored(openType)).ok, false);
  });

  it('is counted by the billing report as a report of its tenant, never skipped as damage', () => {
    const tally = usageFold.empty({ since: '2026-12-01T00:00:00.000Z', until: '2027-01-01T00:00:00.000Z' }, {});
    for (const event of [...events, ...events]) {
      const record = stored(event);
      assert.equal(usageFold.valid?.(record), true, event.kind);
      usageFold.add(tally, record);
    }
    assert.equal(tally.skipped, 0);
    assert.equal(tally.repeats, 2, 'each stored twice, counted once');
    const group = tally.groups.get('2026-12\0acme')!;
    assert.equal(group.reports, 2);
    assert.equal(group.users.size + group.botInstances.size + group.resources.size, 0, 'they add no user, bot instance or resource');
  });
});
