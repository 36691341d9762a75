/**
 * What the collector accepts for a tbot event, and how it stores it. One corpus (valid, tolerated,
 * invalid) goes through the JSON fast path and the reflective slow path, which must agree on the
 * verdict, the message and the stored bytes; binary bodies of the same messages must store the
 * same bytes too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary } from '@bufbuild/protobuf';
import { ConnectFailure } from '../../src/collector/ingest/connect-protocol.js';
import { acceptTbotBatch } from '../../src/collector/ingest/services/tbot-batch.js';
import { acceptTbotRequest } from '../../src/collector/ingest/services/tbot.js';
import { tbotToPostHog } from '../../src/collector/forward/families/tbot.js';
import { messageSchema } from '../../src/protocol/descriptors.js';

const NOW = new Date('2026-03-04T05:06:07.089Z');
const ID = '3b241101-e2bb-4255-8caf-4136c566a962';
const OTHER_IDS = ['5c7e2a90-1d4b-4f3e-8a6c-0b9d8e7f6a51', '9e1f3b72-6c8d-4a5e-b2f0-7d4c3a2b1e60'] as const;
const START = {
  runMode: 'RUN_MODE_ONE_SHOT',
  version: '1.2.3',
  joinType: 'github',
  helper: 'gha:teleport-actions/auth',
  helperVersion: '1.2.0',
  destinationsOther: 1,
  destinationsDatabase: 0,
  destinationsKubernetes: 1,
  destinationsApplication: 0,
};
const AGENT = { distinctId: ID, timestamp: '2026-03-04T05:00:00.000Z', start: START };
const withStart = (start: Record<string, unknown>): Record<string, unknown> => ({ ...AGENT, start: { ...START, ...start } });
const without = (object: Record<string, unknown>, ...keys: string[]): Record<string, unknown> => Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));

type Verdict = { ok: true; stored: string; unknownFields: number; privacyDroppedFields: number } | { ok: false; status: number; code: string; message: string };

function verdict(run: () => { event: unknown; notes: { unknownFields: number; privacyDroppedFields: number } }): Verdict {
  try {
    const { event, notes } = run();
    return { ok: true, stored: JSON.stringify(event), ...notes };
  } catch (error) {
    if (!(error instanceof ConnectFailure)) throw error;
    return { ok: false, status: error.status, code: error.code, message: error.message };
  }
}

const json = (body: unknown, fastPath: boolean): Verdict =>
  verdict(() => acceptTbotRequest('json', Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), NOW, { fastPath }));
const binary = (bytes: Uint8Array): Verdict => verdict(() => acceptTbotRequest('proto', Buffer.from(bytes), NOW));

const REQUEST = messageSchema('prehog.v1alpha.SubmitTbotEventRequest');
const binaryOf = (init: Record<string, unknown>): Uint8Array => toBinary(REQUEST, create(REQUEST, init as never));
// The same start, as protobuf-es builds it: the enum by number.
const START_INIT = { ...START, runMode: 1 };
const AGENT_INIT = { distinctId: ID, timestamp: { seconds: BigInt(Date.parse(AGENT.timestamp) / 1000), nanos: 0 }, event: { case: 'start', value: START_INIT } };
/** A varint field the contract does not define (number 15 or 40), as a newer sender might add. */
const unknownVarint = (fieldNumber: number): number[] => [fieldNumber < 16 ? fieldNumber << 3 : 0xc0, ...(fieldNumber < 16 ? [] : [0x02]), 0x01];

const stored = (event: Record<string, unknown>): string => JSON.stringify(event);

describe('tbot events: tolerant receive', () => {
  const accepted: { name: string; body: unknown; stored?: Record<string, unknown>; unknownFields?: number; privacyDroppedFields?: number }[] = [
    { name: "the agent's own request, stored byte for byte", body: AGENT, stored: AGENT },
    { name: 'fields in another order', body: { start: { ...START }, timestamp: AGENT.timestamp, distinctId: ID }, stored: AGENT },
    { name: 'an offset, normalised to UTC', body: { ...AGENT, timestamp: '2026-03-04T07:00:00+02:00' }, stored: AGENT },
    { name: 'a whole-second timestamp', body: { ...AGENT, timestamp: '2026-03-04T05:00:00Z' }, stored: AGENT },
    { name: 'nanoseconds', body: { ...AGENT, timestamp: '2026-03-04T05:00:00.123456789Z' }, stored: { ...AGENT, timestamp: '2026-03-04T05:00:00.123456789Z' } },
    { name: 'an omitted timestamp (the ingest time)', body: without(AGENT, 'timestamp'), stored: { ...AGENT, timestamp: NOW.toISOString() } },
    { name: 'an empty joinType', body: withStart({ joinType: '' }), stored: withStart({ joinType: '' }) },
    { name: 'an omitted joinType (Go tbot before it checks the method)', body: { ...AGENT, start: without(START, 'joinType') }, stored: withStart({ joinType: '' }) },
    { name: 'a join method added after this collector', body: withStart({ joinType: 'env0' }), stored: withStart({ joinType: 'env0' }) },
    { name: 'a join method with a slash', body: withStart({ joinType: 'azure_devops/v2' }), stored: withStart({ joinType: 'azure_devops/v2' }) },
    { name: 'a top-level unknown field (skipped, counted, never stored)', body: { ...AGENT, addedLater: { nested: true } }, stored: AGENT, unknownFields: 1 },
    { name: 'unknown fields inside start', body: withStart({ hostname: 'build-01', ip: '10.0.0.1' }), stored: AGENT, unknownFields: 2 },
    { name: 'a distinct id that is not a UUID', body: { ...AGENT, distinctId: '01HZX3K9Q2V7R8T6W5Y4B3N2M1' }, stored: { ...AGENT, distinctId: '01HZX3K9Q2V7R8T6W5Y4B3N2M1' } },
    { name: 'a 64-character distinct id', body: { ...AGENT, distinctId: 'a'.repeat(64) }, stored: { ...AGENT, distinctId: 'a'.repeat(64) } },
    { name: 'version "18"', body: withStart({ version: '18' }), stored: withStart({ version: '18' }) },
    { name: 'version "v18.1.0"', body: withStart({ version: 'v18.1.0' }), stored: withStart({ version: 'v18.1.0' }) },
    { name: 'version "18.1.0-dev.3+abc"', body: withStart({ version: '18.1.0-dev.3+abc' }), stored: withStart({ version: '18.1.0-dev.3+abc' }) },
    { name: 'RUN_MODE_UNSPECIFIED', body: withStart({ runMode: 'RUN_MODE_UNSPECIFIED' }), stored: withStart({ runMode: 'RUN_MODE_UNSPECIFIED' }) },
    { name: 'an omitted runMode (the zero value)', body: { ...AGENT, start: without(START, 'runMode') }, stored: withStart({ runMode: 'RUN_MODE_UNSPECIFIED' }) },
    { name: 'runMode as its number', body: withStart({ runMode: 2 }), stored: withStart({ runMode: 'RUN_MODE_DAEMON' }) },
    { name: 'zero counts omitted, as Go protojson writes them', body: { ...AGENT, start: without(START, 'destinationsDatabase', 'destinationsApplication') }, stored: AGENT },
    { name: 'counts as strings (ProtoJSON allows it)', body: withStart({ destinationsOther: '1' }), stored: AGENT },
    {
      name: 'proto field names instead of JSON names',
      body: {
        distinct_id: ID,
        timestamp: AGENT.timestamp,
        start: {
          run_mode: 'RUN_MODE_ONE_SHOT',
          version: '1.2.3',
          join_type: 'github',
          helper: START.helper,
          helper_version: START.helperVersion,
          destinations_other: 1,
          destinations_kubernetes: 1,
        },
      },
      stored: AGENT,
    },
    { name: 'null for a helper (the default)', body: withStart({ helper: null, helperVersion: null }), stored: { ...AGENT, start: without(START, 'helper', 'helperVersion') } },
    { name: 'empty helpers (no helper)', body: withStart({ helper: '', helperVersion: '' }), stored: { ...AGENT, start: without(START, 'helper', 'helperVersion') } },
    {
      name: 'a helper that could be a host name: dropped and counted, the event kept',
      body: withStart({ helper: 'runner.corp.example.com' }),
      stored: { ...AGENT, start: without(START, 'helper') },
      privacyDroppedFields: 1,
    },
    {
      name: 'a helper version that could be a path: dropped and counted',
      body: withStart({ helperVersion: '/home/alice/bin' }),
      stored: { ...AGENT, start: without(START, 'helperVersion') },
      privacyDroppedFields: 1,
    },
    { name: 'a timestamp just under 24 h ahead', body: { ...AGENT, timestamp: new Date(NOW.getTime() + 23 * 3_600_000).toISOString() } },
  ];

  const refused: { name: string; body: unknown; status?: number; message: RegExp }[] = [
    ...[
      '2026-19-39T29:69:69Z',
      '0000-00-00T00:00:00Z',
      '2099-99-99T00:00:00Z',
      '2026-13-45T99:99:99Z',
      '2026-02-30T00:00:00Z',
      '2026-02-28T24:00:00Z',
      '2026-12-31T23:59:60Z',
      '2026-03-04T05:00:00',
      '2026-03-04',
      'yesterday',
      '0001-01-01T00:00:00+01:00',
    ].map((timestamp) => ({ name: `timestamp ${timestamp}`, body: { ...AGENT, timestamp }, message: /^timestamp: / })),
    { name: 'a timestamp 25 h ahead', body: { ...AGENT, timestamp: new Date(NOW.getTime() + 25 * 3_600_000).toISOString() }, message: /^timestamp: more than 24 h ahead/ },
    { name: 'a timestamp as a number', body: { ...AGENT, timestamp: 1_772_600_000 }, message: /Timestamp/ },
    { name: 'a distinct id with a dot (a host name)', body: { ...AGENT, distinctId: 'build-01.corp' }, message: /^distinctId: must match pattern/ },
    { name: 'a distinct id with an @ (an e-mail)', body: { ...AGENT, distinctId: 'alice@corp' }, message: /^distinctId: / },
    { name: 'a 65-character distinct id', body: { ...AGENT, distinctId: 'a'.repeat(65) }, message: /^distinctId: / },
    { name: 'an empty distinct id', body: { ...AGENT, distinctId: '' }, message: /^distinctId: / },
    { name: 'an omitted distinct id', body: without(AGENT, 'distinctId'), message: /^distinctId: / },
    { name: 'an empty version', body: withStart({ version: '' }), message: /^start\.version: .*expected a semver-ish version/ },
    { name: 'version "latest"', body: withStart({ version: 'latest' }), message: /^start\.version: / },
    { name: 'version "1.2.3.4"', body: withStart({ version: '1.2.3.4' }), message: /^start\.version: / },
    { name: 'an upper-case join type', body: withStart({ joinType: 'GitHub' }), message: /^start\.joinType: / },
    { name: 'a join type with a space', body: withStart({ joinType: 'git hub' }), message: /^start\.joinType: / },
    { name: 'a 65-character join type', body: withStart({ joinType: 'a'.repeat(65) }), message: /^start\.joinType: / },
    { name: 'an unknown run mode name', body: withStart({ runMode: 'RUN_MODE_SOMETIMES' }), message: /RUN_MODE_SOMETIMES/ },
    { name: 'an unknown run mode number', body: withStart({ runMode: 7 }), message: /^start\.runMode: must be equal to one of the allowed values/ },
    { name: 'a negative count', body: withStart({ destinationsDatabase: -1 }), message: /^start\.destinationsDatabase: must be >= 0/ },
    { name: 'an absurd count', body: withStart({ destinationsOther: 50_000 }), message: /^start\.destinationsOther: must be <= 10000/ },
    { name: 'a fractional count', body: withStart({ destinationsOther: 1.5 }), message: /destinations_other/ },
    { name: 'a count beyond int32', body: withStart({ destinationsOther: 2 ** 40 }), message: /destinations_other/ },
    { name: 'no start', body: without(AGENT, 'start'), message: /^\(request\): must have required property 'start'/ },
    { name: 'start as a string', body: { ...AGENT, start: 'yes' }, message: /TbotStartEvent from JSON: "yes"/ },
    { name: 'a JSON array', body: [AGENT], message: /SubmitTbotEventRequest/ },
    { name: 'an empty body', body: '', message: /malformed JSON: an empty body/ },
    { name: 'malformed JSON', body: '{"distinctId": ', message: /^malformed JSON$/ },
  ];

  for (const fastPath of [true, false]) {
    describe(fastPath ? 'the JSON fast path' : 'the reflective slow path', () => {
      for (const entry of accepted) {
        it(`accepts ${entry.name}`, () => {
          const result = json(entry.body, fastPath);
          assert.ok(result.ok, JSON.stringify(result));
          if (entry.stored !== undefined) assert.equal(result.stored, stored(entry.stored));
          assert.equal(result.unknownFields, entry.unknownFields ?? 0);
          assert.equal(result.privacyDroppedFields, entry.privacyDroppedFields ?? 0);
        });
      }
      for (const entry of refused) {
        it(`refuses ${entry.name} with invalid_argument naming the field`, () => {
          const result = json(entry.body, fastPath);
          assert.ok(!result.ok, `accepted: ${JSON.stringify(result)}`);
          assert.equal(result.status, 400);
          assert.equal(result.code, 'invalid_argument');
          assert.match(result.message, entry.message);
        });
      }
    });
  }

  it('the fast path and the slow path agree on every body of the corpus: verdict, message, stored bytes and counts', () => {
    for (const entry of [...accepted, ...refused]) assert.deepEqual(json(entry.body, true), json(entry.body, false), entry.name);
  });

  it('a stored RUN_MODE_UNSPECIFIED start goes to PostHog with run_mode "unspecified"', () => {
    const result = json(withStart({ runMode: 'RUN_MODE_UNSPECIFIED', joinType: '' }), true);
    assert.ok(result.ok);
    const mapped = tbotToPostHog({ received_at: NOW.toISOString(), family: 'tbot', event: JSON.parse(result.stored) });
    assert.equal(mapped.properties['run_mode'], 'unspecified');
    assert.equal(mapped.properties['join_type'], '');
    assert.equal(mapped.timestamp, AGENT.timestamp);
  });

  describe('binary protobuf', () => {
    it('stores the same bytes as the JSON of the same message', () => {
      assert.deepEqual(binary(binaryOf(AGENT_INIT)), json(AGENT, true));
    });

    it('skips unknown fields at the top and inside start, counts them, and stores only known fields', () => {
      const start = toBinary(messageSchema('prehog.v1alpha.TbotStartEvent'), create(messageSchema('prehog.v1alpha.TbotStartEvent'), START_INIT as never));
      const withUnknown = Buffer.concat([
        Buffer.from(binaryOf({ ...AGENT_INIT, event: { case: undefined } })),
        Buffer.from(unknownVarint(15)),
        Buffer.from([0x1a, start.length + 3]),
        Buffer.from(start),
        Buffer.from(unknownVarint(40)),
      ]);
      const result = binary(withUnknown);
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.stored, stored(AGENT));
      assert.equal(result.unknownFields, 2);
    });

    it('takes RUN_MODE_UNSPECIFIED (the zero value Go leaves off the wire), an empty join type and no timestamp', () => {
      const result = binary(binaryOf({ distinctId: ID, event: { case: 'start', value: { ...START_INIT, runMode: 0, joinType: '' } } }));
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.stored, stored({ ...AGENT, timestamp: NOW.toISOString(), start: { ...START, runMode: 'RUN_MODE_UNSPECIFIED', joinType: '' } }));
    });

    const outOfRange: [string, { seconds: bigint; nanos: number }][] = [
      ['seconds 2^62', { seconds: 2n ** 62n, nanos: 0 }],
      ['seconds -2^62', { seconds: -(2n ** 62n), nanos: 0 }],
      ['a second before 0001-01-01', { seconds: -62_135_596_801n, nanos: 0 }],
      ['a second after 9999-12-31T23:59:59Z', { seconds: 253_402_300_800n, nanos: 0 }],
      ['nanos 1e9', { seconds: 1_772_600_000n, nanos: 1_000_000_000 }],
      ['negative nanos', { seconds: 1_772_600_000n, nanos: -1 }],
    ];
    for (const [name, timestamp] of outOfRange) {
      it(`refuses a Timestamp with ${name} as invalid_argument, never an internal error`, () => {
        const result = binary(binaryOf({ ...AGENT_INIT, timestamp }));
        assert.ok(!result.ok);
        assert.equal(result.code, 'invalid_argument');
        assert.match(result.message, /^timestamp: /);
      });
    }

    it('refuses an unknown run mode number and a truncated message', () => {
      const unknownMode = binary(binaryOf({ ...AGENT_INIT, event: { case: 'start', value: { ...START_INIT, runMode: 7 } } }));
      assert.ok(!unknownMode.ok);
      assert.match(unknownMode.message, /^start\.runMode: /);
      const truncated = binary(new Uint8Array([0x0a, 0xff]));
      assert.ok(!truncated.ok);
      assert.match(truncated.message, /^malformed protobuf/);
    });
  });

  describe('the batch procedure', () => {
    const batch = (events: unknown[], fastPath = true) =>
      verdict(() => {
        const result = acceptTbotBatch('json', Buffer.from(JSON.stringify({ events })), NOW, { fastPath });
        return { event: result.events, notes: { unknownFields: result.notes?.unknownFields ?? 0, privacyDroppedFields: result.notes?.privacyDroppedFields ?? 0 } };
      });

    it('stores each event as the single call would, and agrees across paths', () => {
      // Each start has its own distinct id: a batch repeating one is a resend, stored once (see below).
      const bodies = [
        AGENT,
        { ...withStart({ joinType: 'env0', extra: 1 }), distinctId: OTHER_IDS[0] },
        { ...withStart({ helper: 'runner.corp.example.com' }), distinctId: OTHER_IDS[1] },
      ];
      const result = batch(bodies);
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.stored, `[${bodies.map((body) => (json(body, true) as { stored: string }).stored).join(',')}]`);
      assert.equal(result.unknownFields, 1);
      assert.equal(result.privacyDroppedFields, 1);
      assert.deepEqual(batch(bodies, false), result);
    });

    it('refuses the whole batch for one bad event, naming it', () => {
      const result = batch([AGENT, AGENT, { ...AGENT, timestamp: '2026-02-30T00:00:00Z' }]);
      assert.ok(!result.ok);
      assert.match(result.message, /^events\[2\]\.timestamp: day 30/);
    });

    it('takes 500 events and refuses 501', () => {
      const full = batch(Array.from({ length: 500 }, () => AGENT));
      assert.ok(full.ok);
      const over = batch(Array.from({ length: 501 }, () => AGENT));
      assert.ok(!over.ok);
      assert.match(over.message, /501 events in one request; at most 500/);
    });

    it('binary batches decode element by element, unknown fields included', () => {
      const BATCH = messageSchema('tbotanalytics.v1.SubmitTbotEventsRequest');
      const bytes = toBinary(BATCH, create(BATCH, { events: [AGENT_INIT, { ...AGENT_INIT, distinctId: OTHER_IDS[0] }] } as never));
      const result = verdict(() => {
        const accepted = acceptTbotBatch('proto', Buffer.concat([Buffer.from(bytes), Buffer.from(unknownVarint(9))]), NOW);
        return { event: accepted.events, notes: { unknownFields: accepted.notes?.unknownFields ?? 0, privacyDroppedFields: 0 } };
      });
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.stored, `[${stored(AGENT)},${stored({ ...AGENT, distinctId: OTHER_IDS[0] })}]`);
      assert.equal(result.unknownFields, 1);
    });

    it('stores a start once when the batch repeats its distinct id, and counts the copy', () => {
      const accepted = acceptTbotBatch(
        'json',
        Buffer.from(JSON.stringify({ events: [AGENT, { ...AGENT, timestamp: '2026-03-04T05:00:01.000Z' }, { ...AGENT, distinctId: OTHER_IDS[0] }] })),
        NOW,
      );
      assert.deepEqual(
        accepted.events.map((event) => (event as { distinctId: string }).distinctId),
        [ID, OTHER_IDS[0]],
      );
      assert.equal(accepted.notes?.repeats, 1);
    });
  });
});
