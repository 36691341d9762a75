import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateHelperString } from '../../src/schemas/validators.js';

describe('helper / helper_version strings: tool names and versions only', () => {
  const allowed = ['gha:teleport-actions/auth', 'gha:teleport-actions/auth-k8s', '1.2.0', 'v1.2.0', '1.2.0-rc.1', 'gitlab:component/tbot@2', 'circleci', 'a'];
  const refused = [
    '/home/alice/bin/tbot', // absolute path
    'home/alice/bin/tbot', // more than two slashes
    'tools/.ssh/id', // hidden path segment
    'alice@example.com', // e-mail
    'build-01.corp.example.com', // host name
    'gha:runner.internal', // host name after a prefix
    '10.0.0.12', // IPv4
    'fe80::1', // IPv6
    'a b', // whitespace
    '-flag', // must start with a letter or digit
    'x'.repeat(65), // too long
    '', // empty
    'naïve', // non-ASCII
  ];
  for (const value of allowed) it(`accepts ${JSON.stringify(value)}`, () => assert.equal(validateHelperString(value), true));
  for (const value of refused) it(`refuses ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)}`, () => assert.equal(validateHelperString(value), false));
});
