/** A bad config exits 1 with file:line:col, field and expectation, and nothing is written or sent. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { cleanEnv, runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

// Each config also names a destination and storage in the workspace: none of them may appear.
const WRITES = 'storage: {type: directory, path: ./data}\noutputs:\n  - type: identity\n    destination: {type: directory, path: ./out}\n';

const CASES: { name: string; yaml: string; message: RegExp }[] = [
  { name: 'YAML syntax error', yaml: `version: v2\n${WRITES}  - type: [identity\n`, message: /bad\.yaml:7:\d+: \(document\): YAML syntax error/ },
  { name: 'wrong type', yaml: `version: v2\noneshot: 3\n${WRITES}`, message: /bad\.yaml:2:10: oneshot: got a number; expected true or false/ },
  { name: 'unknown key', yaml: `version: v2\nanonymous_analytic: true\n${WRITES}`, message: /bad\.yaml:2:1: anonymous_analytic: unknown field "anonymous_analytic"/ },
  {
    name: 'unknown output type',
    yaml: `version: v2\n${WRITES}  - type: windows_desktop\n    destination: {type: memory}\n`,
    message: /bad\.yaml:6:11: outputs\[1\]\.type: unknown type "windows_desktop"; expected one of/,
  },
  {
    name: 'renewal_interval >= credential_ttl',
    yaml: `version: v2\ncredential_ttl: 30m\nrenewal_interval: 1h\n${WRITES}`,
    message: /bad\.yaml:3:19: renewal_interval: .*expected renewal_interval < credential_ttl/,
  },
  { name: 'unknown join method', yaml: `version: v2\nonboarding:\n  join_method: saml\n${WRITES}`, message: /bad\.yaml:3:16: onboarding\.join_method: unsupported value "saml"/ },
  {
    name: 'missing kind field',
    yaml: `version: v2\n${WRITES}  - type: application\n    destination: {type: memory}\n`,
    message: /bad\.yaml:6:5: outputs\[1\]: missing required field "app_name"/,
  },
  // tbot's ceiling; and values that once overflowed a timer (596.5 h), a Date (70000000h) or ended in exit 70 (3000000000h)
  {
    name: 'credential_ttl over 24h',
    yaml: `version: v2\ncredential_ttl: 25h\nrenewal_interval: 1h\n${WRITES}`,
    message: /bad\.yaml:2:17: credential_ttl: is longer than 24h, the longest credential lifetime tbot allows; expected a duration such as 20m or 1h30m, at most 24h/,
  },
  {
    name: 'renewal_interval past the timer limit',
    yaml: `version: v2\ncredential_ttl: 24h\nrenewal_interval: 700h\n${WRITES}`,
    message: /bad\.yaml:3:19: renewal_interval: is longer than 24h/,
  },
  { name: 'credential_ttl 70000000h', yaml: `version: v2\ncredential_ttl: 70000000h\n${WRITES}`, message: /bad\.yaml:2:17: credential_ttl: is longer than 24h/ },
  {
    name: 'credential_ttl 3000000000h',
    yaml: `version: v2\noneshot: true\ncredential_ttl: 3000000000h\nrenewal_interval: 3000000000h\n${WRITES}`,
    message: /bad\.yaml:3:17: credential_ttl: is longer than 24h[\s\S]*bad\.yaml:4:19: renewal_interval: is longer than 24h/,
  },
  {
    name: 'not a duration',
    yaml: `version: v2\ncredential_ttl: 1 day\n${WRITES}`,
    message: /bad\.yaml:2:17: credential_ttl: invalid value; expected a duration such as 20m or 1h30m\n/,
  },
  { name: 'not a mapping', yaml: '- version: v2\n', message: /bad\.yaml:1:1: \(document\): got a list; expected a mapping with version: v2/ },
];

describe('bad configs', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver('ok');
  });
  after(() => receiver.close());

  for (const testCase of CASES) {
    it(`${testCase.name}: exit 1, located message, nothing written, nothing sent`, async () => {
      const workspace: Workspace = await makeWorkspace();
      try {
        await workspace.write('bad.yaml', testCase.yaml);
        const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url, TELEPORT_ANONYMOUS_TELEMETRY: '1' });
        const run = await runTbot(['start', '-c', 'bad.yaml', '--anonymous-analytics'], { cwd: workspace.dir, env, timeoutMs: 10_000 });
        assert.equal(run.code, 1);
        assert.match(run.stderr, testCase.message);
        assert.equal(run.stdout, '');
        assert.deepEqual(await readdir(workspace.dir), ['bad.yaml']);
        assert.equal(receiver.connectionCount(), 0);
      } finally {
        await workspace.remove();
      }
    });
  }

  it('a missing config file names the file', async () => {
    const run = await runTbot(['start', '--oneshot', '-c', '/nonexistent/tbot.yaml']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\/nonexistent\/tbot\.yaml: cannot read config: no such file/);
  });

  it('a bad flag value names the flag', async () => {
    const run = await runTbot(['start', '--oneshot', '--certificate-ttl', 'forever']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /flag --certificate-ttl: credential_ttl: invalid value; expected a duration such as 20m or 1h30m\n/);
    assert.doesNotMatch(run.stderr, /pattern|\^\(/);
  });
});

describe('a config with 60,000 unknown keys (issue 18 item 9)', () => {
  const KEYS = 60_000;
  const keyLines = (indent: string): string => Array.from({ length: KEYS }, (_, index) => `${indent}k${index}: 1\n`).join('');

  it('at the top level: refused, the first 20 named in file order, the rest counted', async () => {
    const workspace = await makeWorkspace();
    try {
      await workspace.write('bad.yaml', `version: v2\n${keyLines('')}${WRITES}`);
      // A generous bound only so that a hang fails the test; the time is measured in bench/config-keys.ts.
      const run = await runTbot(['start', '-c', 'bad.yaml'], { cwd: workspace.dir, timeoutMs: 120_000 });
      assert.equal(run.code, 1, run.stderr);
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1 + 20 + 1);
      assert.match(lines[1] as string, /^ {2}bad\.yaml:2:1: k0: unknown field "k0"; expected one of the fields /);
      assert.match(lines[20] as string, /^ {2}bad\.yaml:21:1: k19: unknown field "k19"/);
      assert.equal(lines[21], `  and ${KEYS - 20} more problems`);
      assert.deepEqual(await readdir(workspace.dir), ['bad.yaml']);
    } finally {
      await workspace.remove();
    }
  });

  it('inside an output, where tbot ignores them: loads, the first 20 warned about, the rest counted', async () => {
    const workspace = await makeWorkspace();
    try {
      await workspace.write('wide.yaml', `version: v2\noutputs:\n  - type: identity\n    destination: {type: memory}\n${keyLines('    ')}`);
      const run = await runTbot(['analytics', 'preview', '--format', 'json', '-c', 'wide.yaml'], { cwd: workspace.dir, env: cleanEnv(), timeoutMs: 120_000 });
      assert.equal(run.code, 0, run.stderr);
      const warnings = run.stderr.split('\n').filter((line) => line.startsWith('warning: wide.yaml:') || line.includes('more keys'));
      assert.equal(warnings.length, 21);
      assert.equal(warnings[0], 'warning: wide.yaml:5:5: outputs[0].k0 is not used by tbot; ignored');
      assert.equal(warnings[20], `warning: and ${KEYS - 20} more keys that tbot does not use; ignored`);
    } finally {
      await workspace.remove();
    }
  });
});
