/**
 * SubmitUsageReports stores the common binary call without building a message per user record
 * (fastStoredReports in usage-reports.ts). Held here to the library's path on the same bodies: the
 * same events byte for byte, the same notes and response, or the same refusal. The bodies are
 * random user activity reports (random counters, kinds, SPIFFE ids, session summaries with closed
 * and anonymized fields) and the ways a call goes wrong: a name that is not 32 bytes, a report
 * uuid of 15, no start time, a start in the future, an anonymized text that is not, a session type
 * outside its list, an unknown field, another report kind beside, too many reports, bytes cut off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary, type Message } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { WireType } from '@bufbuild/protobuf/wire';
import { ANONYMOUS_CALLER } from '../../src/collector/ingest/service.js';
import { createUsageReportService, fastStoredReports } from '../../src/collector/ingest/services/usage-reports.js';
import { messageSchema } from '../../src/protocol/descriptors.js';
import { USAGE_REQUEST } from '../../src/protocol/usage-wire.js';
import { randomFrom, randomMessage } from '../helpers/random-proto.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const caller = { ...ANONYMOUS_CALLER, tenant: 'acme' };
const uuids = (): (() => string) => {
  let next = 0;
  return () => {
    next += 1;
    return `00000000-0000-4000-8000-${String(next).padStart(12, '0')}`;
  };
};

type Damage = 'none' | 'short-name' | 'short-uuid' | 'no-start' | 'future' | 'bad-resource' | 'odd-session-type' | 'unknown-field' | 'other-kind' | 'too-many' | 'cut';
const DAMAGES: Damage[] = [
  'none',
  'none',
  'none',
  'short-name',
  'short-uuid',
  'no-start',
  'future',
  'bad-resource',
  'odd-session-type',
  'unknown-field',
  'other-kind',
  'too-many',
  'cut',
];

function body(random: () => number, damage: Damage): Buffer {
  const bytes = (length: number): Uint8Array => Uint8Array.from({ length }, () => Math.floor(random() * 256));
  const anonymizedText = (): string => Buffer.from(bytes(32)).toString('base64');
  const recordSchema = messageSchema('prehog.v1.UserActivityRecord');
  const reports = Array.from({ length: damage === 'too-many' ? 11 : 1 + Math.floor(random() * 3) }, () => {
    const records = Array.from({ length: Math.floor(random() * 6) }, () => {
      const record = randomMessage(recordSchema, random) as Message & Record<string, unknown>;
      record['userName'] = bytes(32);
      for (const spiffe of record['spiffeIdsIssued'] as Record<string, unknown>[]) spiffe['spiffeId'] = bytes(32);
      for (const summary of record['sessionSummariesAccessed'] as Record<string, unknown>[]) {
        summary['resourceName'] = anonymizedText();
        summary['sessionType'] = ['ssh', 'k8s', 'db', '', 'app'][Math.floor(random() * 5)];
      }
      return record;
    });
    return create(messageSchema('prehog.v1.UserActivityReport'), {
      reportUuid: bytes(16),
      clusterName: bytes(32),
      reporterHostid: bytes(32),
      startTime: timestampFromMs(NOW.getTime() - Math.floor(random() * 86_400_000)),
      records,
    });
  });
  const first = reports[0]! as Message & Record<string, unknown>;
  const firstRecord = (first['records'] as (Record<string, unknown> & { sessionSummariesAccessed: Record<string, unknown>[] })[])[0];
  if (damage === 'short-name' && firstRecord !== undefined) firstRecord['userName'] = bytes(31);
  if (damage === 'short-uuid') first['reportUuid'] = bytes(15);
  // A field of a newer contract inside a record: the library keeps it aside (and counts it); the fast path gives up on it.
  if (damage === 'unknown-field' && firstRecord !== undefined) firstRecord['$unknown'] = [{ no: 99, wireType: WireType.Varint, data: Uint8Array.of(1) }];
  if (damage === 'no-start') first['startTime'] = undefined;
  if (damage === 'future') first['startTime'] = timestampFromMs(NOW.getTime() + 3 * 86_400_000);
  if (damage === 'bad-resource' && firstRecord?.sessionSummariesAccessed[0] !== undefined) firstRecord.sessionSummariesAccessed[0]['resourceName'] = 'db-prod';
  if (damage === 'odd-session-type' && firstRecord?.sessionSummariesAccessed[0] !== undefined) firstRecord.sessionSummariesAccessed[0]['sessionType'] = 'ssh-but-not';
  const request = create(messageSchema(USAGE_REQUEST), {
    userActivity: reports,
    ...(damage === 'other-kind'
      ? { resourcePresence: [{ reportUuid: bytes(16), clusterName: bytes(32), reporterHostid: bytes(32), startTime: timestampFromMs(NOW.getTime() - 60_000) }] }
      : {}),
  } as never);
  let encoded = toBinary(messageSchema(USAGE_REQUEST), request);
  if (damage === 'cut') encoded = encoded.subarray(0, Math.max(1, encoded.length - 1 - Math.floor(random() * 10)));
  return Buffer.from(encoded);
}

function outcome(fastPath: boolean, encoded: Buffer): unknown {
  const service = createUsageReportService({ randomUuid: uuids(), fastPath });
  try {
    const accepted = service.accept('proto', encoded, NOW, caller);
    return { events: JSON.stringify(accepted.events), notes: accepted.notes, response: accepted.response };
  } catch (error) {
    return { refused: (error as Error).constructor.name, message: (error as Error).message, code: (error as { code?: unknown }).code };
  }
}

describe('SubmitUsageReports: the fast path and the library path', () => {
  it('store the same events, or refuse alike, on 600 random calls', () => {
    // The same sets of calls, checked below: the fast path must have answered the sound ones itself.
    const random = randomFrom(20261205);
    const seen = new Map<string, number>();
    for (let round = 0; round < 600; round += 1) {
      const damage = DAMAGES[round % DAMAGES.length]!;
      const encoded = body(random, damage);
      const fast = outcome(true, encoded);
      assert.deepEqual(fast, outcome(false, encoded), `round ${round} (${damage})`);
      const kind = `${damage}: ${'refused' in (fast as object) ? 'refused' : 'stored'}`;
      if (fastStoredReports(encoded, NOW, caller.tenant) !== undefined) seen.set('fast path taken', (seen.get('fast path taken') ?? 0) + 1);
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
    }
    // The cases really happened: calls stored, and each damage refused (or, for a session type, stored as other).
    for (const kind of [
      'none: stored',
      'short-uuid: refused',
      'no-start: refused',
      'future: refused',
      'unknown-field: stored',
      'other-kind: stored',
      'too-many: refused',
      'odd-session-type: stored',
    ])
      assert.ok((seen.get(kind) ?? 0) > 0, `${kind} never happened: ${JSON.stringify([...seen])}`);
    assert.ok(seen.get('fast path taken')! >= seen.get('none: stored')!, `the fast path answered too few calls: ${JSON.stringify([...seen])}`);
  });
});
