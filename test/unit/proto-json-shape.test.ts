/**
 * The cheap shape check in front of fromJson: what the store writes takes the cheap path, and the
 * check never says yes where fromJson says no (it is only ever a shortcut to fromJson's own
 * verdict). Mutations of real stored reports, value by value, prove the one-sidedness.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromJson } from '@bufbuild/protobuf';
import { checkStoredRecord } from '../../src/collector/store/record-check.js';
import { messageSchema } from '../../src/protocol/descriptors.js';
import { hasCanonicalShape } from '../../src/protocol/proto-json-shape.js';
import { usageKind } from '../../src/protocol/usage-wire.js';
import { storedUsageLines, type ReportSpec } from '../helpers/usage-reports.js';

const SPECS: ReportSpec[] = [
  {
    kind: 'user',
    id: 'u',
    host: 'auth-a',
    start: '2026-11-03T10:15:00Z',
    users: [
      { user: 'alice', kind: 1, logins: 3, ssh: 2 },
      { user: 'ci', kind: 2, botJoins: 1 },
    ],
  },
  { kind: 'bot', id: 'b', host: 'auth-a', start: '2026-11-03T10:15:00Z', instances: ['i-1', 'i-2'] },
  {
    kind: 'resource',
    id: 'r',
    host: 'auth-a',
    start: '2026-11-03T10:00:00Z',
    resources: [
      { kind: 1, ids: [1n, 2n ** 63n] },
      { kind: 6, ids: [] },
    ],
  },
];
const stored = storedUsageLines('acme', SPECS, new Date('2026-11-03T10:31:00Z')).map(
  (line) => JSON.parse(line) as { received_at: string; family: string; event: { kind: string; report: Record<string, unknown> } },
);

const accepts = (typeName: string, json: unknown): boolean => {
  try {
    fromJson(messageSchema(typeName), json as never, { ignoreUnknownFields: false });
    return true;
  } catch {
    return false;
  }
};

/** Values a hand-edited line could hold in place of any field's value. */
const REPLACEMENTS: unknown[] = [
  null,
  '',
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 32,
  -(2 ** 31) - 1,
  '0',
  '01',
  '-1',
  '1e3',
  ' 1',
  '9999999999999999999',
  '18446744073709551616',
  '99999999999999999999',
  'x',
  'AAAA',
  'AA=',
  'AA==',
  'A-_B',
  '\uD800',
  true,
  [],
  [null],
  ['1'],
  [1],
  {},
  { x: 1 },
  'USER_KIND_HUMAN',
  'USER_KIND_NOPE',
  'RESOURCE_KIND_NODE',
  '2026-11-03T10:15:00Z',
  '2026-11-03T10:15:00.123456789Z',
  '2026-11-03T10:15:00+01:00',
  '2026-13-40T10:15:00Z',
  '0000-12-31T23:59:59Z',
  '2026-11-03 10:15:00Z',
];

/** Every path to a value in `json`, each with a setter that replaces it in a deep copy. */
function* mutations(json: unknown, path: (string | number)[] = []): Generator<[string, (value: unknown) => unknown]> {
  if (typeof json !== 'object' || json === null) return;
  for (const key of Object.keys(json)) {
    const at = [...path, Array.isArray(json) ? Number(key) : key];
    yield [at.join('.'), (value) => replaced(at, value)];
    yield* mutations((json as Record<string, unknown>)[key], at);
  }
  // And a key no field has, at every depth (also a prototype's name).
  if (!Array.isArray(json)) for (const key of ['unknown_field', '__proto__', 'userName']) yield [[...path, key].join('.'), (value) => replaced([...path, key], value)];
}

let root: unknown;
function replaced(path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  Object.defineProperty(at, path.at(-1)!, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

describe('the canonical ProtoJSON shape check', () => {
  it('takes the cheap path for every report kind as the store writes it', () => {
    for (const line of stored) assert.ok(hasCanonicalShape(messageSchema(usageKind(line.event.kind)!.reportType), line.event.report), line.event.kind);
  });

  it('never accepts a value fromJson refuses, whatever field of a stored report is replaced', () => {
    let shortcuts = 0;
    let leftToFromJson = 0;
    let refused = 0;
    for (const line of stored) {
      const typeName = usageKind(line.event.kind)!.reportType;
      root = line.event.report;
      for (const [path, replace] of mutations(root))
        for (const value of REPLACEMENTS) {
          const json = replace(value);
          const byFromJson = accepts(typeName, json);
          if (hasCanonicalShape(messageSchema(typeName), json)) {
            assert.ok(byFromJson, `${typeName} ${path} = ${JSON.stringify(value)}: the shape check accepts what fromJson refuses`);
            shortcuts += 1;
          } else if (byFromJson) leftToFromJson += 1;
          else refused += 1;
        }
    }
    // All three outcomes occur, so the loop above tested something in each direction.
    assert.ok(shortcuts > 50 && leftToFromJson > 50 && refused > 500, `${shortcuts} ${leftToFromJson} ${refused}`);
  });

  it('leaves the verdict on a non-canonical spelling to fromJson: accepted when valid, refused when not', () => {
    const user = stored[0]!;
    const records = user.event.report['records'] as Record<string, unknown>[];
    const numbers = structuredClone(user);
    // uint64 as a JSON number: valid ProtoJSON, not what the store writes.
    Object.assign((numbers.event.report['records'] as Record<string, unknown>[])[0]!, { logins: 3 });
    assert.equal(hasCanonicalShape(messageSchema('prehog.v1.UserActivityReport'), numbers.event.report), false);
    assert.deepEqual(checkStoredRecord(numbers), { ok: true, record: numbers });
    // A camelCase key is valid ProtoJSON too, but not the store's spelling: readers look fields up by proto name and would miss it.
    const camel = structuredClone(user);
    Object.assign((camel.event.report['records'] as Record<string, unknown>[])[0]!, { sshSessions: records[0]!['ssh_sessions'] });
    delete (camel.event.report['records'] as Record<string, unknown>[])[0]!['ssh_sessions'];
    assert.deepEqual(checkStoredRecord(camel), { ok: false, reason: 'usage: report: has a field spelled otherwise than the store writes it' });
    const negative = structuredClone(user);
    (negative.event.report['records'] as Record<string, unknown>[])[0]!['logins'] = '-3';
    assert.deepEqual(checkStoredRecord(negative), { ok: false, reason: 'usage: report: does not match prehog.v1.UserActivityReport' });
  });
});
