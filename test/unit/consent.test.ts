import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doNotTrackIsSet, resolveConsent, type ConsentInput, type ConsentSource } from '../../src/analytics/consent.js';
import { parseGoBool } from '../../src/reporting/parse-bool.js';

describe('consent precedence: DO_NOT_TRACK > flag > TELEPORT_ANONYMOUS_TELEMETRY > YAML > default off', () => {
  const rows: { name: string; input: ConsentInput; enabled: boolean; source: ConsentSource }[] = [
    { name: 'nothing set: off by default', input: { env: {} }, enabled: false, source: 'default' },
    { name: 'YAML true opts in', input: { env: {}, config: true }, enabled: true, source: 'config' },
    { name: 'YAML false stays off', input: { env: {}, config: false }, enabled: false, source: 'config' },
    { name: 'env true opts in', input: { env: { TELEPORT_ANONYMOUS_TELEMETRY: '1' } }, enabled: true, source: 'env' },
    { name: 'env false beats YAML true', input: { env: { TELEPORT_ANONYMOUS_TELEMETRY: 'false' }, config: true }, enabled: false, source: 'env' },
    { name: 'env true beats YAML false', input: { env: { TELEPORT_ANONYMOUS_TELEMETRY: 'true' }, config: false }, enabled: true, source: 'env' },
    { name: 'flag on opts in', input: { env: {}, flag: true }, enabled: true, source: 'flag' },
    { name: '--no- flag beats env true', input: { env: { TELEPORT_ANONYMOUS_TELEMETRY: '1' }, flag: false }, enabled: false, source: 'flag' },
    { name: 'flag on beats env false and YAML false', input: { env: { TELEPORT_ANONYMOUS_TELEMETRY: '0' }, flag: true, config: false }, enabled: true, source: 'flag' },
    { name: 'DO_NOT_TRACK beats the flag', input: { env: { DO_NOT_TRACK: '1' }, flag: true }, enabled: false, source: 'DO_NOT_TRACK' },
    { name: 'DO_NOT_TRACK beats env and YAML', input: { env: { DO_NOT_TRACK: '1', TELEPORT_ANONYMOUS_TELEMETRY: '1' }, config: true }, enabled: false, source: 'DO_NOT_TRACK' },
    { name: 'DO_NOT_TRACK=yes counts as set', input: { env: { DO_NOT_TRACK: 'yes' }, flag: true }, enabled: false, source: 'DO_NOT_TRACK' },
    { name: 'DO_NOT_TRACK=0 does not opt out', input: { env: { DO_NOT_TRACK: '0' }, flag: true }, enabled: true, source: 'flag' },
    { name: 'empty DO_NOT_TRACK does not opt out', input: { env: { DO_NOT_TRACK: '' }, config: true }, enabled: true, source: 'config' },
    { name: 'invalid env value is unset: YAML decides', input: { env: { TELEPORT_ANONYMOUS_TELEMETRY: 'yes' }, config: true }, enabled: true, source: 'config' },
    { name: 'invalid env value is unset: default off', input: { env: { TELEPORT_ANONYMOUS_TELEMETRY: 'on' } }, enabled: false, source: 'default' },
    { name: 'empty env value is unset', input: { env: { TELEPORT_ANONYMOUS_TELEMETRY: '' } }, enabled: false, source: 'default' },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const consent = resolveConsent(row.input);
      assert.equal(consent.enabled, row.enabled);
      assert.equal(consent.source, row.source);
    });
  }

  it('warns once about an invalid TELEPORT_ANONYMOUS_TELEMETRY, and not about valid ones', () => {
    assert.equal(resolveConsent({ env: { TELEPORT_ANONYMOUS_TELEMETRY: 'yes' } }).warnings.length, 1);
    assert.match(resolveConsent({ env: { TELEPORT_ANONYMOUS_TELEMETRY: 'yes' } }).warnings[0] ?? '', /TELEPORT_ANONYMOUS_TELEMETRY="yes"/);
    assert.deepEqual(resolveConsent({ env: { TELEPORT_ANONYMOUS_TELEMETRY: 'T' } }).warnings, []);
  });
});

describe("TELEPORT_ANONYMOUS_TELEMETRY parses like Go's strconv.ParseBool", () => {
  for (const text of ['1', 't', 'T', 'TRUE', 'true', 'True']) it(`${text} is true`, () => assert.equal(parseGoBool(text), true));
  for (const text of ['0', 'f', 'F', 'FALSE', 'false', 'False']) it(`${text} is false`, () => assert.equal(parseGoBool(text), false));
  for (const text of ['yes', 'no', 'on', 'tRuE', ' 1', '2', '']) it(`${JSON.stringify(text)} is invalid`, () => assert.equal(parseGoBool(text), undefined));
});

describe('DO_NOT_TRACK', () => {
  it('anything but unset, empty or a Go-false value opts out', () => {
    assert.equal(doNotTrackIsSet({}), false);
    assert.equal(doNotTrackIsSet({ DO_NOT_TRACK: '' }), false);
    assert.equal(doNotTrackIsSet({ DO_NOT_TRACK: 'false' }), false);
    for (const value of ['1', 'true', 'yes', 'anything']) assert.equal(doNotTrackIsSet({ DO_NOT_TRACK: value }), true);
  });
});
