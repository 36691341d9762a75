/** Pure parts of migrate, analytics enable|disable, install systemd and the helper check, as tables. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { droppedHelpers, explainHelperName } from '../../src/analytics/helper-check.js';
import { execWord, renderSystemdUnit } from '../../src/cli/systemd-unit.js';
import { migrateV1Config } from '../../src/config/migrate-v1.js';
import { setTopLevelBoolean } from '../../src/config/set-top-level-key.js';
import { parsePositionedYaml } from '../../src/config/yaml-document.js';
import { ConfigError } from '../../src/errors.js';

function migrate(text: string): Record<string, unknown> {
  const document = parsePositionedYaml('v1.yaml', text);
  return migrateV1Config(document.data, document.locate);
}

function migrateIssues(text: string): string[] {
  try {
    migrate(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.field}: ${issue.problem}`);
    throw error;
  }
  assert.fail('expected the migration to be refused');
}

describe('v1 → v2 migration', () => {
  it('picks the output type and folds the templates as Go does', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['- directory: /a\n', { type: 'identity', destination: { type: 'directory', path: '/a' } }],
      ['- directory: /a\n  cluster: leaf\n  configs: [identity, ssh_client, tls_cas]\n', { type: 'identity', destination: { type: 'directory', path: '/a' }, cluster: 'leaf' }],
      ['- memory: true\n  app: g\n  configs: [{tls: {}}]\n', { type: 'application', destination: { type: 'memory' }, app_name: 'g', specific_tls_naming: true }],
      ['- memory: {}\n  database: {service: s}\n  configs: [cockroach]\n', { type: 'database', destination: { type: 'memory' }, format: 'cockroach', service: 's' }],
      ['- memory: {}\n  kubernetes_cluster: k\n  roles: []\n', { type: 'kubernetes', destination: { type: 'memory' }, roles: [], kubernetes_cluster: 'k' }],
      [
        '- directory: {acls: try, path: /h}\n  configs: [{ssh_host_cert: {principals: [h]}}]\n',
        { type: 'ssh_host', destination: { type: 'directory', path: '/h', acls: 'try' }, principals: ['h'] },
      ],
    ];
    for (const [destinations, service] of cases) assert.deepEqual(migrate(`destinations:\n${destinations}`)['services'], [service], destinations);
  });

  it('renames certificate_ttl, keeps the other top-level keys, and drops empty onboarding fields', () => {
    assert.deepEqual(migrate('certificate_ttl: 30m\nrenewal_interval: 10m\noneshot: true\nonboarding: {token: t, ca_path: ""}\nstorage: {memory: true}\n'), {
      version: 'v2',
      onboarding: { token: 't' },
      storage: { type: 'memory' },
      services: [],
      renewal_interval: '10m',
      oneshot: true,
      credential_ttl: '30m',
    });
  });

  it("refuses what Go's migration refuses, each issue at its field", () => {
    const cases: [string, string][] = [
      ['destinations:\n- {directory: /a, memory: true}\n', "destinations[0]: both 'memory' and 'directory' are given"],
      ['destinations:\n- {roles: [a]}\n', "destinations[0]: names neither 'directory' nor 'memory'"],
      [
        'destinations:\n- {memory: true, app: a, database: {service: s}}\n',
        'destinations[0]: names more than one kind of output (application, database), so the v2 output type cannot be chosen',
      ],
      ['destinations:\n- {memory: true, app: a, configs: [mongo]}\n', 'destinations[0].configs[0]: the mongo template has no place in a v2 application output'],
      ['destinations:\n- {memory: true, configs: [identity, identity]}\n', 'destinations[0].configs[1]: the identity template is given twice'],
      ['destinations:\n- {memory: true, configs: [{identity: {x: 1}}]}\n', 'destinations[0].configs[0]: the options of the identity template cannot be migrated'],
      ['destinations:\n- {memory: true, configs: [{ssh_host_cert: {}}]}\n', 'destinations[0].configs[0]: ssh_host_cert names no principals'],
      ['destinations:\n- {memory: true, database: {service: s}, configs: [mongo, tls]}\n', 'destinations[0].configs: names more than one database format (mongo, cockroach, tls)'],
      ['proxy_server: x\ndestinations: []\n', 'proxy_server: is not a key of a v1 config'],
      ['outputs: []\n', 'outputs: is a v2 key: this file looks like a v2 config that lacks its `version: v2` line'],
    ];
    for (const [text, issue] of cases) assert.ok(migrateIssues(text).includes(issue), `${text}\n→ ${migrateIssues(text).join('\n')}`);
  });
});

describe('setting anonymous_analytics in place', () => {
  it('changes only the value, appends when absent, and says when nothing changes', () => {
    const cases: [string, boolean, string, number, string | undefined, boolean][] = [
      ['a: 1\nanonymous_analytics: false # why\n', true, 'a: 1\nanonymous_analytics: true # why\n', 2, 'false', true],
      ['a: 1\nanonymous_analytics: "true"\n', true, 'a: 1\nanonymous_analytics: true\n', 2, '"true"', true],
      ['a: 1\nanonymous_analytics: true\n', true, 'a: 1\nanonymous_analytics: true\n', 2, 'true', false],
      ['a: 1\n', false, 'a: 1\nanonymous_analytics: false\n', 2, undefined, true],
      ['a: 1', true, 'a: 1\nanonymous_analytics: true\n', 2, undefined, true],
      ['', true, 'anonymous_analytics: true\n', 1, undefined, true],
      ['# only a comment\n', true, '# only a comment\nanonymous_analytics: true\n', 2, undefined, true],
    ];
    for (const [text, value, after, line, before, changed] of cases) {
      const edit = setTopLevelBoolean('f.yaml', text, 'anonymous_analytics', value);
      assert.deepEqual(edit, { text: after, line, changed, ...(before === undefined ? {} : { before }) }, JSON.stringify(text));
    }
  });

  it('refuses a flow mapping, a list and a nested value, located', () => {
    for (const [text, pattern] of [
      ['{a: 1}\n', /f\.yaml:1:1: \(document\): is not a block mapping/],
      ['- a\n', /f\.yaml:1:1: \(document\): is not a block mapping/],
      ['anonymous_analytics:\n  x: 1\n', /f\.yaml:1:1: anonymous_analytics: holds no plain value to replace/],
    ] as const) {
      assert.throws(
        () => setTopLevelBoolean('f.yaml', text, 'anonymous_analytics', true),
        (error: unknown) => error instanceof ConfigError && pattern.test(error.message),
      );
    }
  });
});

describe('helper values that are not sent', () => {
  it('says which rule a helper name breaks', () => {
    const cases: [string, RegExp][] = [
      ['gha:MyOrg/my_action', /here it has upper-case letters \("M", "O"\); it has characters outside that set \("_"\)$/],
      ['travis', /here "travis" is not one of the CI names$/],
      ['gha:org', /after the CI name it needs exactly one <org>\/<action>$/],
      ['gha:a--b/c', /its words must each start with a letter, with no doubled or trailing hyphens$/],
      [`gha:${'a'.repeat(70)}/b`, /it is 76 characters long, more than 64/],
    ];
    for (const [value, pattern] of cases) assert.match(explainHelperName(value), pattern, value);
  });

  it('lists only the values the allow-list refuses', () => {
    assert.deepEqual(droppedHelpers({ _TBOT_TELEMETRY_HELPER: 'gha:teleport-actions/auth', _TBOT_TELEMETRY_HELPER_VERSION: '1.2.0' }), []);
    assert.deepEqual(
      droppedHelpers({ _TBOT_TELEMETRY_HELPER: '', _TBOT_TELEMETRY_HELPER_VERSION: 'latest' }).map((item) => [item.name, item.value]),
      [['_TBOT_TELEMETRY_HELPER_VERSION', 'latest']],
    );
  });
});

describe('the systemd unit', () => {
  it('quotes ExecStart words systemd would split or expand', () => {
    const cases: [string, string][] = [
      ['/usr/bin/node', '/usr/bin/node'],
      ['/opt/my tbot/tbot.cjs', '"/opt/my tbot/tbot.cjs"'],
      ['/srv/100%/x', '/srv/100%%/x'],
      ['/srv/$HOME', '/srv/$$HOME'],
      ['a"b\\c', '"a\\"b\\\\c"'],
    ];
    for (const [word, written] of cases) assert.equal(execWord(word), written);
  });

  it('has no analytics setting and runs start -c with the pid file it watches', () => {
    const unit = renderSystemdUnit({
      name: 'tbot',
      user: 'teleport',
      group: 'teleport',
      self: ['/usr/bin/node', '/opt/tbot.cjs'],
      configPath: '/etc/tbot.yaml',
      pidFile: '/run/tbot.pid',
    });
    assert.match(unit, /^ExecStart=\/usr\/bin\/node \/opt\/tbot\.cjs start -c \/etc\/tbot\.yaml --pid-file=\/run\/tbot\.pid$/m);
    assert.match(unit, /^PIDFile=\/run\/tbot\.pid$/m);
    assert.doesNotMatch(unit, /TELEPORT_ANONYMOUS_TELEMETRY/);
  });
});
