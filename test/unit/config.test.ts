import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import type { ConfigFlags } from '../../src/config/flag-overrides.js';
import { ConfigError, formatIssue } from '../../src/errors.js';
import { DURATION_EXPECTED } from '../../src/config/types.js';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };

/** Symlinks planted for a test: path prefix → where it really leads. */
type Links = Record<string, string>;

function fakeRealPath(links: Links) {
  return async (path: string): Promise<string> => {
    for (const [link, target] of Object.entries(links)) {
      if (path === link || path.startsWith(`${link}/`)) return target + path.slice(link.length);
    }
    return path;
  };
}

function load(text: string, flags: ConfigFlags = {}, links: Links = {}) {
  return loadConfig({ source: { kind: 'file', path: 'bot.yaml' }, flags, cwd: '/work', readFile: async () => text, realPath: fakeRealPath(links) });
}

async function issuesOf(text: string, flags: ConfigFlags = {}, links: Links = {}): Promise<string[]> {
  try {
    await load(text, flags, links);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  assert.fail('expected a ConfigError');
}

describe('config loading', () => {
  it('applies tbot defaults: token join, memory storage, 60m ttl, 20m renewal, continuous', async () => {
    const config = await load('version: v2\n');
    assert.equal(config.joinMethod, 'token');
    assert.deepEqual(config.storage, { type: 'memory' });
    assert.equal(config.credentialTtlMs, 3_600_000);
    assert.equal(config.renewalIntervalMs, 1_200_000);
    assert.equal(config.oneshot, false);
    assert.equal(config.anonymousAnalytics, undefined);
  });

  it('resolves relative destination paths against the working directory', async () => {
    const config = await load('version: v2\noutputs:\n  - type: identity\n    destination: {type: directory, path: out/id}\n');
    assert.deepEqual(config.outputs[0]?.destination, { type: 'directory', path: '/work/out/id', symlinks: 'try-secure', acls: 'try', readers: [] });
  });

  it('flags override the file, and a join flag replaces the whole onboarding block as in tbot', async () => {
    const config = await load(
      'version: v2\noneshot: false\nonboarding: {join_method: iam, token: t}\ncredential_ttl: 2h\noutputs:\n  - {type: application, app_name: a, destination: {type: memory}}\n',
      {
        oneshot: true,
        joinMethod: 'github',
        certificateTtl: '30m',
        renewalInterval: '10m',
        dataDir: 'data',
        destinationDir: 'id',
      },
    );
    assert.equal(config.oneshot, true);
    assert.equal(config.joinMethod, 'github');
    assert.equal(config.token, undefined, "the file's token went with its onboarding block");
    assert.equal(config.credentialTtlMs, 1_800_000);
    assert.deepEqual(config.storage, { type: 'directory', path: '/work/data', symlinks: 'try-secure', acls: 'try', readers: [] });
    assert.deepEqual(
      config.outputs.map((output) => [output.type, output.destination.type === 'directory' ? output.destination.path : '']),
      [['identity', '/work/id']],
    );
    assert.ok(config.warnings.some((warning) => /--destination-dir replaces the 1 output/.test(warning)));
    assert.ok(config.warnings.some((warning) => /replace the whole onboarding block/.test(warning)));
    assert.ok(config.warnings.some((warning) => /--certificate-ttl overrides credential_ttl/.test(warning)));
  });

  const bad: [string, string, RegExp][] = [
    ['YAML syntax', 'version: v2\noutputs: [\n', /^bot\.yaml:3:1: \(document\): YAML syntax error/],
    ['duplicate key', 'version: v2\noneshot: true\noneshot: false\n', /^bot\.yaml:3:1: .*Map keys must be unique/],
    ['an unknown version', 'version: v3\n', /^bot\.yaml:1:10: version: unsupported value "v3"; expected the config version "v2"/],
    ['wrong type', 'version: v2\noneshot: "yes"\n', /^bot\.yaml:2:10: oneshot: got a string; expected true or false/],
    [
      'unknown top-level key',
      'version: v2\nonesht: true\n',
      /^bot\.yaml:2:1: onesht: unknown field "onesht"; expected one of the fields "version", "onboarding", .*; did you mean "oneshot"\?$/,
    ],
    [
      'unknown output type',
      'version: v2\noutputs:\n  - type: ssh\n    destination: {type: memory}\n',
      /^bot\.yaml:3:11: outputs\[0\]\.type: unknown type "ssh"; expected one of "identity", "database"/,
    ],
    [
      'unknown join method',
      'version: v2\nonboarding: {join_method: gihtub}\n',
      /^bot\.yaml:2:27: onboarding\.join_method: unsupported value "gihtub"; expected one of "azure", .*; did you mean "github"\?$/,
    ],
    [
      'missing kind field',
      'version: v2\noutputs:\n  - type: kubernetes\n    destination: {type: memory}\n',
      /^bot\.yaml:3:5: outputs\[0\]: missing required field "kubernetes_cluster"/,
    ],
    ['bad duration', 'version: v2\ncredential_ttl: 1 day\n', /^bot\.yaml:2:17: credential_ttl: invalid value; expected a duration such as 20m or 1h30m$/],
    [
      "credential_ttl over tbot's 24h maximum",
      'version: v2\ncredential_ttl: 25h\n',
      /^bot\.yaml:2:17: credential_ttl: is longer than 24h, the longest credential lifetime tbot allows; expected a duration such as 20m or 1h30m, at most 24h$/,
    ],
    ['absurd credential_ttl', 'version: v2\ncredential_ttl: 3000000000h\n', /^bot\.yaml:2:17: credential_ttl: is longer than 24h/],
    ['credential_ttl too large for a number', `version: v2\ncredential_ttl: ${'9'.repeat(400)}h\n`, /^bot\.yaml:2:17: credential_ttl: is longer than 24h/],
    ['renewal_interval past the timer limit', 'version: v2\ncredential_ttl: 24h\nrenewal_interval: 700h\n', /^bot\.yaml:3:19: renewal_interval: is longer than 24h/],
    [
      'renewal >= ttl',
      'version: v2\ncredential_ttl: 10m\nrenewal_interval: 10m\n',
      /^bot\.yaml:3:19: renewal_interval: renewal_interval \(10m\) is not shorter than credential_ttl \(10m\)/,
    ],
    ['zero ttl', 'version: v2\ncredential_ttl: 0s\n', /^bot\.yaml:2:17: credential_ttl: must be longer than zero; expected a duration such as 20m or 1h30m$/],
    ['unknown destination type', 'version: v2\nstorage: {type: s3}\n', /^bot\.yaml:2:17: storage\.type: unknown type "s3"; expected one of "directory", "memory"/],
    [
      'shared directory',
      'version: v2\noutputs:\n  - type: identity\n    destination: {type: directory, path: out}\n  - type: application\n    app_name: a\n    destination: {type: directory, path: ./out}\n',
      /^bot\.yaml:7:42: outputs\[1\]\.destination\.path: directory is already used by outputs\[0\]\.destination\.path/,
    ],
    [
      'output inside storage',
      'version: v2\nstorage: {type: directory, path: data}\noutputs:\n  - type: identity\n    destination: {type: directory, path: data/ca}\n',
      /^bot\.yaml:5:42: outputs\[0\]\.destination\.path: directory is inside storage\.path/,
    ],
  ];
  for (const [name, text, expected] of bad) {
    it(`reports ${name} with file:line:col, field and expectation`, async () => {
      const issues = await issuesOf(text);
      assert.ok(
        issues.some((line) => expected.test(line)),
        `no issue matched ${expected}:\n${issues.join('\n')}`,
      );
    });
  }

  const output = (path: string, type = 'identity') => `  - type: ${type}\n${type === 'application' ? '    app_name: a\n' : ''}    destination: {type: directory, path: ${path}}\n`;
  const withOutputs = (...outputs: string[]) => `version: v2\noutputs:\n${outputs.join('')}`;
  const withStorage = (storage: string, ...outputs: string[]) =>
    `version: v2\nstorage: {type: directory, path: ${storage}}\n${outputs.length === 0 ? '' : `outputs:\n${outputs.join('')}`}`;
  const badPaths: [string, string, Links, RegExp][] = [
    [
      'a system directory',
      withOutputs(output('/etc/ssh')),
      {},
      /^bot\.yaml:4:42: outputs\[0\]\.destination\.path: \/etc\/ssh is inside \/etc, a system directory; expected a directory of its own/,
    ],
    ['the root directory', withOutputs(output('/')), {}, /outputs\[0\]\.destination\.path: \/ is \/ itself, a directory the whole system shares/],
    ['somewhere under /usr', withOutputs(output('/usr/local/share/tbot')), {}, /\/usr\/local\/share\/tbot is inside \/usr, a system directory/],
    ['/boot', withOutputs(output('/boot')), {}, /\/boot is inside \/boot, a system directory/],
    ['/var itself as storage', withStorage('/var'), {}, /^bot\.yaml:2:34: storage\.path: \/var is \/var itself/],
    ['/home itself', withStorage('/home'), {}, /storage\.path: \/home is \/home itself/],
    [
      'a symlink into a system directory',
      withOutputs(output('ssh-link')),
      { '/work/ssh-link': '/etc/ssh' },
      /\/work\/ssh-link is inside \/etc, a system directory \(it resolves to \/etc\/ssh\)/,
    ],
    [
      'two outputs reaching one directory through a symlink',
      withOutputs(output('out'), output('alias', 'application')),
      { '/work/alias': '/work/out' },
      /^bot\.yaml:7:42: outputs\[1\]\.destination\.path: directory is already used by outputs\[0\]\.destination\.path/,
    ],
    [
      'an output inside storage through a symlink',
      withStorage('data', output('shared')),
      { '/work/shared': '/work/data/out' },
      /outputs\[0\]\.destination\.path: directory is inside storage\.path/,
    ],
    [
      'storage inside an output directory',
      withStorage('out/data', output('out')),
      {},
      /storage\.path: storage directory is inside the directory of outputs\[0\]\.destination\.path/,
    ],
  ];
  for (const [name, text, links, expected] of badPaths) {
    it(`refuses ${name}`, async () => {
      const issues = await issuesOf(text, {}, links);
      assert.ok(
        issues.some((line) => expected.test(line)),
        `no issue matched ${expected}:\n${issues.join('\n')}`,
      );
    });
  }

  it('accepts directories of their own, nested outputs, and a symlink to such a directory', async () => {
    const config = await load(
      withStorage('/var/lib/tbot', output('/opt/machine-id'), output('/opt/machine-id/app', 'application'), output('link')),
      {},
      { '/work/link': '/srv/tbot/out' },
    );
    assert.deepEqual(
      config.outputs.map((o) => (o.destination.type === 'directory' ? o.destination.path : '')),
      ['/opt/machine-id', '/opt/machine-id/app', '/work/link'],
    );
  });

  it('the schema and the config code describe durations in the same words', () => {
    assert.equal(configSchema.definitions.duration.description, DURATION_EXPECTED);
  });

  it('blames the flag, not the file, for a bad flag value', async () => {
    const issues = await issuesOf('version: v2\n', { joinMethod: 'nope', renewalInterval: '2h' });
    assert.match(issues[0] ?? '', /^flag --join-method: onboarding\.join_method: unsupported value "nope"/);
  });

  it('never echoes a free-text value such as a token in an error', async () => {
    const issues = await issuesOf('version: v2\nonboarding: {token: [s3cr3t-token]}\n');
    assert.ok(issues.length > 0 && issues.every((line) => !line.includes('s3cr3t')));
  });
});
