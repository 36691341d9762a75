/**
 * The stored-record check the forwarder and the reports share: what ingest stores passes it, and
 * each way a line can be edited to carry clear text, or another family's event, fails it with a
 * reason that names the field and never the value.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkStoredRecord } from '../../src/collector/store/record-check.js';
import { CONNECT_EVENTS } from '../../src/protocol/connect-wire.js';
import { DISCOVER_STEPS } from '../../src/protocol/discover-wire.js';
import { tbotEvent } from '../helpers/collector-process.js';
import { anon, connectRequest, discoverRequest } from '../helpers/usage-events.js';
import { storedUsageLines } from '../helpers/usage-reports.js';

const AT = '2026-11-20T10:00:00.000Z';
const record = (family: string | undefined, event: unknown): Record<string, unknown> => ({ received_at: AT, ...(family === undefined ? {} : { family }), event });
const stored = (request: Record<string, unknown>): Record<string, unknown> => {
  const copy = structuredClone(request);
  for (const value of Object.values(copy))
    if (typeof value === 'object' && value !== null && 'status' in value) Object.assign((value as { status: object }).status, { errorClass: 'none' });
  return copy;
};

describe('the stored-record check', () => {
  it('passes every record ingest stores, in every family', () => {
    for (const spec of CONNECT_EVENTS) assert.deepEqual(checkStoredRecord(record('connect', connectRequest(spec))).ok, true, spec.member);
    for (const step of DISCOVER_STEPS) {
      const result = checkStoredRecord(record('discover', stored(discoverRequest(step))));
      assert.ok(result.ok, `${step.member}: ${result.ok ? '' : result.reason}`);
    }
    assert.ok(checkStoredRecord(record('tbot', tbotEvent())).ok);
    // Lines from before families existed are tbot events; older ones may lack their own time.
    const { timestamp: _, ...untimed } = tbotEvent();
    assert.ok(checkStoredRecord(record(undefined, untimed)).ok);
  });

  const login = connectRequest(CONNECT_EVENTS.find((spec) => spec.member === 'clusterLogin')!);
  const failing: [string, unknown, RegExp][] = [
    [
      'a clear cluster name',
      record('connect', { ...login, clusterLogin: { ...(login['clusterLogin'] as object), clusterName: 'zqprod' } }),
      /^connect: clusterLogin\.clusterName: not the anonymizer's output$/,
    ],
    [
      'a host name in a closed field',
      record('connect', { ...login, clusterLogin: { ...(login['clusterLogin'] as object), os: 'zqhost.example.com' } }),
      /^connect: clusterLogin\.os: must be equal to one of the allowed values$/,
    ],
    [
      'a build tag in a version',
      record('connect', { ...login, clusterLogin: { ...(login['clusterLogin'] as object), appVersion: '17.0.0+zqlaptop' } }),
      /^connect: clusterLogin\.appVersion: must match pattern/,
    ],
    ['an unknown key', record('tbot', tbotEvent({ hostname: 'zqhost' })), /^tbot: start: has a field its contract does not define$/],
    ['a clear helper', record('tbot', tbotEvent({ helper: 'zqalice@laptop' })), /^tbot: start\.helper: /],
    ['a tbot event under connect', record('connect', tbotEvent()), /^connect: start: must have required property 'os'$/],
    ['a Connect event under tbot', record('tbot', login), /^tbot: /],
    [
      'an error text that names a host',
      record('discover', stored(discoverRequest(DISCOVER_STEPS[1]!, { error: 'zqdb01\u2024corp refused' }))),
      /^discover: uiDiscoverResourceSelectionEvent\.status\.error: fails the free-text screen$/,
    ],
    [
      'an error class off the list',
      record('discover', {
        ...discoverRequest(DISCOVER_STEPS[0]!),
        uiDiscoverStartedEvent: {
          ...(discoverRequest(DISCOVER_STEPS[0]!)['uiDiscoverStartedEvent'] as object),
          status: { status: 'DISCOVER_STATUS_SUCCESS', error: '', errorClass: 'zqclass' },
        },
      }),
      /^discover: /,
    ],
    [
      // fromJson takes a field's proto name as well as its JSON name; the anonymity check reads the store's own spelling.
      'a product event field spelled by its proto name, holding a clear name',
      record('teleport', {
        tenant: 'acme',
        request: { clusterName: anon('prod'), timestamp: AT, userLogin: { user_name: 'zqalice', connectorType: 'local' } },
      }),
      /^teleport: request: has a field spelled otherwise than the store writes it$/,
    ],
    [
      'a usage record field spelled by its JSON name (its counter would be left out of the sums)',
      (() => {
        const [line] = storedUsageLines('acme', [{ kind: 'user', id: 'zqreport', host: 'auth-a', start: AT, users: [{ user: 'alice', logins: 1 }] }], new Date(AT));
        return JSON.parse(line!.replace('"records":[{', '"records":[{"dbSessions":"5",')) as unknown;
      })(),
      /^usage: report: has a field spelled otherwise than the store writes it$/,
    ],
    ['an unknown family', record('zqfamily', {}), /^family: not one this collector knows$/],
    ['a field beside the event', { ...record('tbot', tbotEvent()), hostname: 'zqhost' }, /^tbot: the record has a field the store does not write$/],
    ['no arrival time', { family: 'tbot', event: tbotEvent() }, /^received_at: not a time$/],
    ['an event that is not an object', record('connect', 'zqtext'), /^connect: event is not an object$/],
  ];
  for (const [name, value, reason] of failing)
    it(`fails a record with ${name}, naming the field and never the value`, () => {
      const result = checkStoredRecord(value);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.match(result.reason, reason);
      assert.doesNotMatch(result.reason, /zq/);
    });
});
