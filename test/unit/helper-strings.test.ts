import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateHelperName, validateHelperVersion, validateSubmitTbotEvent } from '../../src/schemas/validators.js';
import { tbotEvent } from '../helpers/collector-process.js';

/** What the teleport-actions repository passes as _TBOT_TELEMETRY_HELPER, one per action. */
const TELEPORT_ACTIONS = [
  'gha:teleport-actions/auth',
  'gha:teleport-actions/auth-k8s',
  'gha:teleport-actions/auth-application',
  'gha:teleport-actions/application-tunnel',
  'gha:teleport-actions/database-tunnel',
  'gha:teleport-actions/application-proxy',
];
/** _TBOT_TELEMETRY_HELPER_VERSION is the action's package.json version. */
const REAL_VERSIONS = ['1.0.0', '2.0.3', '1.2.0', 'v1.2.0', '1.2.0-rc.1', '3.0.0-beta.2', '0.1.0-dev'];

/** Values that could identify a person, a host, a network or a place on disk. */
const IDENTIFYING = [
  // the ones the adversarial pass got through
  'home/alice/x',
  'Users/alice',
  'alice@example',
  'alice:s3cret',
  'ip-10-0-0-1',
  '10.0.1',
  '0x0a000001',
  'fe80:1',
  // paths
  '/home/alice/bin/tbot',
  'home/alice',
  '~/bin/tbot',
  'C:\\Users\\alice',
  'tools/.ssh/id',
  './helper',
  '../x',
  'gha:teleport-actions/auth/../../etc',
  // e-mail addresses and user@host
  'alice@example.com',
  'alice.smith@corp.example.com',
  'alice@10.0.0.1',
  'gha:alice@corp/auth',
  // host names
  'build-01.corp.example.com',
  'runner.internal',
  'gha:runner.internal',
  'ip-10-0-0-1.ec2.internal',
  'localhost',
  'gha:ip-10-0-0-1/auth',
  'host-192-168-1-20',
  // IPv4 in every spelling
  '10.0.0.12',
  '10.0.1.',
  '192.168.1.1:8080',
  '167772161',
  '0x0a000001',
  '012.0.0.1',
  '10-0-0-12',
  // IPv6
  'fe80::1',
  '::1',
  '2001:db8::1',
  'fe80::1%eth0',
  '[2001:db8::1]:443',
  // URLs and credentials
  'https://github.com/teleport-actions/auth',
  'gha:https://x/y',
  'alice:hunter2@host',
  'token=abc123',
  // IDs
  '28addb0c-5d85-4c44-9f1b-82b5ed0401ce',
  '28addb0c5d854c449f1b82b5ed0401ce',
  'i-0abcd1234ef567890',
  'ghp_1234567890abcdef',
  // shape-only rejects
  'a b',
  '-flag',
  'x'.repeat(65),
  '',
  'naïve',
  'GHA:Teleport-Actions/Auth',
  'gha:teleport-actions/',
  'gha:/auth',
  'gha:teleport--actions/auth',
  'unknownci:org/action',
  'tbot',
];

describe('helper name: an allow-list of the shapes helpers use', () => {
  for (const value of TELEPORT_ACTIONS) it(`accepts the teleport-actions value ${value}`, () => assert.equal(validateHelperName(value), true));
  for (const value of ['gitlab:gravitational/tbot-component', 'circleci:gravitational/teleport-orb', 'gha:x/y', 'gitlab', 'circleci']) {
    it(`accepts ${value}`, () => assert.equal(validateHelperName(value), true));
  }
  for (const value of IDENTIFYING) {
    it(`refuses ${JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value)}`, () => assert.equal(validateHelperName(value), false));
  }
});

describe('helper version: semantic versions only', () => {
  for (const value of REAL_VERSIONS) it(`accepts ${value}`, () => assert.equal(validateHelperVersion(value), true));
  // A three-number version such as 10.0.1 is also the start of an IPv4 address; as a version it is
  // just a version (and a /24 prefix names no host), so it is allowed here and refused as a name.
  it('accepts 10.0.1 as a version', () => assert.equal(validateHelperVersion('10.0.1'), true));
  const notVersions = IDENTIFYING.filter((value) => value !== '10.0.1');
  for (const value of [...notVersions, '1.2', '1.2.3.4', '1.2.3-alice.example', '1.2.3+build.host.internal', '1.2.3-rc.1.10.0.0.1', '01.2.3', '1234567.0.0']) {
    it(`refuses ${JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value)}`, () => assert.equal(validateHelperVersion(value), false));
  }
});

describe('the wire schema holds the same rule (the collector validates with it too)', () => {
  const event = (start: Record<string, unknown>) => tbotEvent(start, { distinctId: '28addb0c-5d85-4c44-9f1b-82b5ed0401ce', timestamp: '2026-01-01T00:00:00Z' });
  it('accepts a real helper pair', () => assert.equal(validateSubmitTbotEvent(event({ helper: 'gha:teleport-actions/auth', helperVersion: '2.0.3' })), true));
  for (const value of ['home/alice/x', 'alice@example', 'ip-10-0-0-1', 'fe80:1']) {
    it(`refuses helper ${value}`, () => assert.equal(validateSubmitTbotEvent(event({ helper: value })), false));
    it(`refuses helperVersion ${value}`, () => assert.equal(validateSubmitTbotEvent(event({ helperVersion: value })), false));
  }
});
