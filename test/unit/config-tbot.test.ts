/** tbot's v2 rules, one by one, through the loader: lifetimes, names, readers, addresses, onboarding, cluster-only parts, v1, flags. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { destinationFromUri } from '../../src/config/destination-uri.js';
import type { ConfigFlags } from '../../src/config/flag-overrides.js';
import { loadConfig, type ConfigSource } from '../../src/config/load-config.js';
import { parseListenAddress } from '../../src/config/normalize.js';
import type { BotConfig, SpiffeSvidOutput } from '../../src/config/types.js';
import { ClusterOnlyError, ConfigError, ConfigReadError, formatIssue } from '../../src/errors.js';

const SOURCE: ConfigSource = { kind: 'file', path: 'bot.yaml' };

function load(text: string, flags: ConfigFlags = {}, source: ConfigSource = SOURCE): Promise<BotConfig> {
  return loadConfig({ source, flags, cwd: '/work', readFile: async () => text, realPath: async (path) => path });
}

async function issuesOf(text: string, flags: ConfigFlags = {}): Promise<{ lines: string[]; clusterOnly: boolean }> {
  try {
    await load(text, flags);
  } catch (error) {
    if (error instanceof ConfigError) return { lines: error.issues.map(formatIssue), clusterOnly: error instanceof ClusterOnlyError };
    throw error;
  }
  assert.fail('expected a ConfigError');
}

async function expectIssue(text: string, pattern: RegExp, flags: ConfigFlags = {}): Promise<void> {
  const { lines } = await issuesOf(text, flags);
  assert.ok(
    lines.some((line) => pattern.test(line)),
    `no issue matched ${pattern}:\n${lines.join('\n')}`,
  );
}

const v2 = (body: string): string => `version: v2\n${body}`;
const MEM = 'destination: {type: memory}';

describe('lifetimes', () => {
  it('an output keeps its own credential_ttl and renewal_interval; the others use the top-level pair', async () => {
    const config = await load(
      v2(`credential_ttl: 2h\nrenewal_interval: 30m\noutputs:\n  - {type: identity, ${MEM}, credential_ttl: 10m, renewal_interval: 2m}\n  - {type: identity, ${MEM}}\n`),
    );
    assert.deepEqual(
      config.outputs.map((output) => output.lifetime),
      [
        { credentialTtlMs: 600_000, renewalIntervalMs: 120_000 },
        { credentialTtlMs: 7_200_000, renewalIntervalMs: 1_800_000 },
      ],
    );
  });

  it('one of the pair without the other is an error naming both', async () => {
    await expectIssue(
      v2(`outputs:\n  - {type: identity, ${MEM}, credential_ttl: 10m}\n`),
      /^bot\.yaml:3:67: outputs\[0\]\.credential_ttl: is set without renewal_interval; expected credential_ttl and renewal_interval both set on an output, or neither/,
    );
    await expectIssue(v2(`outputs:\n  - {type: identity, ${MEM}, renewal_interval: 10m}\n`), /outputs\[0\]\.renewal_interval: is set without credential_ttl/);
  });

  it('more than 24h is refused with the limit named, at the top level and per output', async () => {
    await expectIssue(
      v2('credential_ttl: 25h\n'),
      /credential_ttl: is longer than 24h, the longest credential lifetime tbot allows; expected a duration such as 20m or 1h30m, at most 24h$/,
    );
    await expectIssue(v2(`outputs:\n  - {type: database, service: s, ${MEM}, credential_ttl: 30h, renewal_interval: 1h}\n`), /outputs\[0\]\.credential_ttl: is longer than 24h/);
  });

  it('workload identity outputs may live past 24h, as in tbot (at most 14 days here)', async () => {
    const config = await load(v2(`outputs:\n  - {type: workload-identity-x509, selector: {name: w}, ${MEM}, credential_ttl: 72h, renewal_interval: 24h}\n`));
    assert.equal(config.outputs[0]?.lifetime.credentialTtlMs, 72 * 3_600_000);
    await expectIssue(
      v2(`outputs:\n  - {type: workload-identity-jwt, selector: {name: w}, audiences: [a], ${MEM}, credential_ttl: 400h, renewal_interval: 1h}\n`),
      /is longer than 336h, the longest this agent issues workload identity credentials for/,
    );
  });

  it('certificate_ttl is read as credential_ttl, with a warning; credential_ttl wins when both are set', async () => {
    const alias = await load(v2('certificate_ttl: 1m0s\nrenewal_interval: 30s\n'));
    assert.equal(alias.credentialTtlMs, 60_000);
    assert.ok(alias.warnings.some((warning) => /certificate_ttl is the older name of credential_ttl/.test(warning)));
    const both = await load(v2('certificate_ttl: 1m0s\ncredential_ttl: 2m\nrenewal_interval: 30s\n'));
    assert.equal(both.credentialTtlMs, 120_000);
    assert.ok(both.warnings.some((warning) => /both credential_ttl and certificate_ttl are set; credential_ttl is used/.test(warning)));
    const perOutput = await load(v2(`outputs:\n  - {type: identity, ${MEM}, certificate_ttl: 30s, renewal_interval: 15s}\n`));
    assert.equal(perOutput.outputs[0]?.lifetime.credentialTtlMs, 30_000);
  });

  it('in one-shot mode the renewal interval is not compared with the TTL, as in tbot', async () => {
    const config = await load(v2('oneshot: true\ncredential_ttl: 10m\n'));
    assert.equal(config.credentialTtlMs, 600_000);
    await expectIssue(v2('credential_ttl: 10m\n'), /credential_ttl: renewal_interval \(20m\) is not shorter than credential_ttl \(10m\)/);
  });
});

describe('outputs and services', () => {
  it('services come first, then outputs; every field reaches the normalized output', async () => {
    const config = await load(
      v2(`outputs:
  - {type: database, service: pg, database: orders, username: alice, format: mongo, roles: [db-reader], ${MEM}}
  - {type: kubernetes/v2, selectors: [{name: a, default_namespace: web}, {name: b}], disable_exec_plugin: true, ${MEM}}
services:
  - {type: spiffe-svid, svid: {path: /svc, hint: h, sans: {dns: [a.example.com], ip: [10.0.0.1]}}, jwts: [{audience: vault, file_name: vault.jwt}], include_federated_trust_bundles: true, ${MEM}}
  - {type: identity, cluster: leaf, ssh_config: "off", allow_reissue: true, ${MEM}}
  - {type: application, app_name: grafana, specific_tls_naming: true, ${MEM}}
  - {type: workload-identity-jwt, selector: {name: w}, audiences: [x, y], ${MEM}}
`),
    );
    const strip = ({ lifetime: _lifetime, destination: _destination, ...rest }: BotConfig['outputs'][number]) => rest;
    assert.deepEqual(config.outputs.map(strip), [
      {
        type: 'spiffe-svid',
        name: 'spiffe-svid (memory)',
        roles: [],
        svid: { path: '/svc', hint: 'h', dnsSans: ['a.example.com'], ipSans: ['10.0.0.1'] },
        jwts: [{ audience: 'vault', fileName: 'vault.jwt' }],
        includeFederatedTrustBundles: true,
      },
      { type: 'identity', name: 'identity (memory)', roles: [], cluster: 'leaf', sshConfig: 'off', allowReissue: true },
      { type: 'application', name: 'application (memory)', roles: [], appName: 'grafana', specificTlsNaming: true },
      { type: 'workload-identity-jwt', name: 'workload-identity-jwt (memory)', roles: [], selector: { name: 'w' }, audiences: ['x', 'y'] },
      { type: 'database', name: 'database (memory)', roles: ['db-reader'], service: 'pg', database: 'orders', username: 'alice', format: 'mongo' },
      { type: 'kubernetes/v2', name: 'kubernetes/v2 (memory)', roles: [], selectors: [{ name: 'a', defaultNamespace: 'web' }, { name: 'b' }], disableExecPlugin: true },
    ]);
  });

  it('database format "" or absent is tbot\'s plain layout', async () => {
    const config = await load(v2(`outputs:\n  - {type: database, service: a, format: "", ${MEM}}\n  - {type: database, service: b, ${MEM}}\n`));
    assert.deepEqual(
      config.outputs.map((output) => (output.type === 'database' ? output.format : '')),
      ['default', 'default'],
    );
  });

  it('names: explicit ones are kept and checked; generated labels are unique', async () => {
    const config = await load(
      v2(
        `outputs:\n  - {type: identity, name: ci-identity, ${MEM}}\n  - {type: identity, ${MEM}}\n  - {type: identity, ${MEM}}\n  - {type: identity, destination: {type: directory, path: out}}\n`,
      ),
    );
    assert.deepEqual(
      config.outputs.map((output) => output.name),
      ['ci-identity', 'identity (memory)', 'identity (memory) #2', 'identity (directory /work/out)'],
    );
    await expectIssue(
      v2(`outputs:\n  - {type: identity, name: a, ${MEM}}\n  - {type: identity, name: a, ${MEM}}\n`),
      /outputs\[1\]\.name: "a" is already the name of outputs\[0\]/,
    );
    await expectIssue(v2(`outputs:\n  - {type: identity, name: heartbeat, ${MEM}}\n`), /outputs\[0\]\.name: "heartbeat" is a name tbot keeps for its own services/);
    await expectIssue(
      v2(`outputs:\n  - {type: identity, name: My Output, ${MEM}}\n`),
      /outputs\[0\]\.name: invalid value; expected a name of lower-case letters, digits, _, - and \+/,
    );
  });

  it('readers: a user or a group, names or numeric ids (YAML integers too), exactly one each', async () => {
    const config = await load(v2('outputs:\n  - {type: identity, destination: {type: directory, path: out, readers: [{user: teleport}, {user: 123}, {group: "456"}]}}\n'));
    const destination = config.outputs[0]?.destination;
    assert.deepEqual(destination?.type === 'directory' ? destination.readers : [], [{ user: 'teleport' }, { user: '123' }, { group: '456' }]);
    await expectIssue(
      v2('outputs:\n  - {type: identity, destination: {type: directory, path: out, readers: [{user: a, group: b}]}}\n'),
      /outputs\[0\]\.destination\.readers\[0\]: sets both user and group; expected exactly one of/,
    );
    await expectIssue(v2('outputs:\n  - {type: identity, destination: {type: directory, path: out, readers: [{}]}}\n'), /readers\[0\]: sets neither user nor group/);
    // tbot ignores the unknown `uid` (it is inside an output), then finds a reader with neither.
    await expectIssue(v2('outputs:\n  - {type: identity, destination: {type: directory, path: out, readers: [{uid: 5}]}}\n'), /readers\[0\]: sets neither user nor group/);
    const warned = await load(v2('outputs:\n  - {type: identity, destination: {type: directory, path: out, readers: [{uid: 5, user: a}]}}\n'));
    assert.ok(
      warned.warnings.some((warning) =>
        /^bot\.yaml:3:75: outputs\[0\]\.destination\.readers\[0\]\.uid is not used by tbot; ignored; .*write the number as the value of `user`$/.test(warning),
      ),
      warned.warnings.join('\n'),
    );
  });

  it('directory destinations default to symlinks try-secure and acls try', async () => {
    const config = await load(v2('storage: {type: directory, path: data, symlinks: secure, acls: required}\n'));
    assert.deepEqual(config.storage, { type: 'directory', path: '/work/data', symlinks: 'secure', acls: 'required', readers: [] });
    const defaults = await load(v2('storage: {type: directory, path: data}\n'));
    assert.deepEqual(defaults.storage, { type: 'directory', path: '/work/data', symlinks: 'try-secure', acls: 'try', readers: [] });
    assert.deepEqual(defaults.runIssues, []);
  });

  it('acls: required loads (valid tbot) but is a run issue, located; readers are named in a warning, not dropped silently', async () => {
    const config = await load(
      v2(
        'storage: {type: directory, path: data, acls: required}\noutputs:\n  - {type: identity, destination: {type: directory, path: out, acls: required}}\n  - {type: identity, destination: {type: directory, path: out2, readers: [{user: deploy}]}}\n',
      ),
    );
    assert.deepEqual(config.runIssues.map(formatIssue), [
      'bot.yaml:2:46: storage.acls: is "required", but this agent sets no ACLs (tbot fails the same way on a system without ACL support); expected acls: try (the default) or off',
      'bot.yaml:4:70: outputs[0].destination.acls: is "required", but this agent sets no ACLs (tbot fails the same way on a system without ACL support); expected acls: try (the default) or off',
    ]);
    assert.deepEqual(
      config.warnings.filter((warning) => warning.includes('readers')),
      [
        'outputs[1].destination.readers: not given access; this agent sets no ACLs (as tbot on a system without ACL support), so grant them read access another way, e.g. a group they share',
      ],
    );
  });

  it('spiffe-svid: IP SANs must be addresses, JWT file names distinct', async () => {
    await expectIssue(v2(`outputs:\n  - {type: spiffe-svid, svid: {path: /a, sans: {ip: [10.0.0.300]}}, ${MEM}}\n`), /outputs\[0\]\.svid\.sans\.ip\[0\]: is not an IP address/);
    await expectIssue(
      v2(`outputs:\n  - {type: spiffe-svid, svid: {path: /a}, jwts: [{audience: a, file_name: t}, {audience: b, file_name: t}], ${MEM}}\n`),
      /outputs\[0\]\.jwts\[1\]\.file_name: "t" is already used/,
    );
  });

  it('spiffe-svid: only what the certificate writer can encode and the file set can hold loads', async () => {
    // A zone id is an address to node:net, but an X.509 iPAddress has no room for it.
    await expectIssue(v2(`outputs:\n  - {type: spiffe-svid, svid: {path: /a, sans: {ip: ["fe80::1%eth0"]}}, ${MEM}}\n`), /outputs\[0\]\.svid\.sans\.ip\[0\]: is not an IP address/);
    const config = await load(v2(`outputs:\n  - {type: spiffe-svid, svid: {path: /a, sans: {ip: ["::ffff:10.0.0.1", "fd00::1"]}}, ${MEM}}\n`));
    assert.deepEqual((config.outputs[0] as SpiffeSvidOutput).svid.ipSans, ['::ffff:10.0.0.1', 'fd00::1']);
    // The atomic writer keeps `..data` and `..<generation>` for itself; `.` is the directory.
    for (const name of ['..data', '..x', '.']) {
      await expectIssue(
        v2(`outputs:\n  - {type: spiffe-svid, svid: {path: /a}, jwts: [{audience: a, file_name: "${name}"}], ${MEM}}\n`),
        /outputs\[0\]\.jwts\[0\]\.file_name: invalid value; expected a file name \(no \/, not \. and not starting with \.\./,
      );
    }
    await load(v2(`outputs:\n  - {type: spiffe-svid, svid: {path: /a}, jwts: [{audience: a, file_name: .vault.jwt}], ${MEM}}\n`));
  });

  it("tbot's example service is skipped with a warning", async () => {
    const config = await load(v2('services:\n  - type: example\n    message: hi\n'));
    assert.equal(config.outputs.length, 0);
    assert.ok(config.warnings.some((warning) => /services\[0\]: tbot's `example` service only logs a greeting; this agent skips it/.test(warning)));
  });

  it('services: [] and no outputs at all load', async () => {
    assert.equal((await load(v2('services: []\n'))).outputs.length, 0);
  });
});

describe('addresses, onboarding and honesty', () => {
  it('both addresses: proxy_server is the one tbot uses, with a warning', async () => {
    const config = await load(v2('proxy_server: p.example.com:443\nauth_server: a.example.com:3025\n'));
    assert.equal(config.proxyServer, 'p.example.com:443');
    assert.equal(config.authServer, 'a.example.com:3025');
    assert.ok(config.warnings.some((warning) => /both proxy_server and auth_server are set; tbot uses proxy_server/.test(warning)));
  });

  const honesty = /^no Teleport cluster was contacted: every credential comes from this agent's local CA/;
  const cases: [string, string, boolean][] = [
    ['nothing', '', false],
    ['only outputs and storage', `storage: {type: memory}\noutputs:\n  - {type: identity, ${MEM}}\n`, false],
    ['a join method', 'onboarding: {join_method: github}\n', true],
    ['a token', 'onboarding: {token: t}\n', true],
    ['proxy_server', 'proxy_server: p.example.com:443\n', true],
    ['auth_server', 'auth_server: a.example.com:3025\n', true],
    ['join_uri', 'join_uri: tbot+proxy+token://t@p.example.com:443\n', true],
  ];
  for (const [name, body, warned] of cases) {
    it(`the honesty warning is ${warned ? 'given, once,' : 'not given'} for ${name}`, async () => {
      const config = await load(v2(body));
      assert.equal(config.warnings.filter((warning) => honesty.test(warning)).length, warned ? 1 : 0);
    });
  }

  it('the honesty warning names what was configured but never echoes the token', async () => {
    const config = await load(v2('onboarding: {join_method: gitlab, token: s3cr3t}\nproxy_server: p.example.com:443\n'));
    const warning = config.warnings.find((candidate) => honesty.test(candidate)) ?? '';
    assert.match(warning, /join_method gitlab, a token, proxy_server are not used to join or authenticate/);
    assert.doesNotMatch(warning, /s3cr3t|p\.example\.com/);
    assert.equal(config.joinMethod, 'gitlab');
  });

  it('ec2 is refused as tbot refuses it, pointing at iam', async () => {
    await expectIssue(
      v2('onboarding: {join_method: ec2}\n'),
      /onboarding\.join_method: unsupported value "ec2"; expected one of .*; tbot has no "ec2" join method .* a bot on EC2 joins with "iam"/,
    );
  });

  it('ca_pins and ca_path are exclusive, and insecure excludes both, as in tbot', async () => {
    await expectIssue(v2('onboarding: {ca_pins: [x], ca_path: /ca.pem}\n'), /onboarding\.ca_path: is set together with ca_pins, which tbot refuses/);
    await expectIssue(v2('insecure: true\nonboarding: {ca_pins: [x]}\n'), /onboarding\.ca_pins: is set together with insecure/);
    await expectIssue(v2('insecure: true\nonboarding: {ca_path: /ca.pem}\n'), /onboarding\.ca_path: is set together with insecure/);
  });

  it('diag_addr is parsed into host and port', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:3000'), { host: '127.0.0.1', port: 3000 });
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress(':9090'), { host: '', port: 9090 });
    for (const bad of ['localhost', '127.0.0.1:70000', '::1:3000', 'a b:1']) assert.equal(parseListenAddress(bad), undefined, bad);
  });

  it('a bad diag_addr names the field and the form', async () => {
    await expectIssue(v2('diag_addr: localhost\n'), /^bot\.yaml:2:12: diag_addr: is not a listen address; expected host:port such as 127\.0\.0\.1:3000/);
    assert.deepEqual((await load(v2('diag_addr: 127.0.0.1:1337\n'))).diagAddr, { host: '127.0.0.1', port: 1337 });
  });
});

describe('messages', () => {
  it('a misspelt key suggests the nearest valid one', async () => {
    await expectIssue(
      v2('renewal_intreval: 1m\n'),
      /^bot\.yaml:2:1: renewal_intreval: unknown field "renewal_intreval"; expected one of the fields .*; did you mean "renewal_interval"\?$/,
    );
    // Inside an output tbot ignores it, so it loads, with the same suggestion in the warning.
    const inOutput = await load(v2(`outputs:\n  - {type: identity, ${MEM}, renewal_intreval: 1m}\n`));
    assert.deepEqual(
      inOutput.warnings.filter((warning) => warning.includes('renewal_intreval')),
      ['bot.yaml:3:51: outputs[0].renewal_intreval is not used by tbot; ignored; did you mean "renewal_interval"?'],
    );
    await expectIssue(v2(`outputs:\n  - {type: kubernetes/v3, ${MEM}}\n`), /unknown type "kubernetes\/v3"; expected one of .*; did you mean "kubernetes\/v2"\?$/);
    await expectIssue(v2('destinations: []\n'), /unknown field "destinations".*`destinations` is a v1 key; in a v2 config they are `outputs`/);
  });
});

describe('cluster-only parts', () => {
  it('are explained with file:line:col, and win over unknown keys inside them', async () => {
    const { lines, clusterOnly } = await issuesOf(
      v2('outputs:\n  - type: identity\n    destination:\n      type: kubernetes_secret\n      name: s\n      namespace:\n      tags: {a: b}\n'),
    );
    assert.equal(clusterOnly, true);
    assert.deepEqual(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] ?? '', /^bot\.yaml:5:13: outputs\[0\]\.destination\.type: `type: kubernetes_secret` is valid in Teleport's tbot, but this agent cannot serve it: /);
  });

  it('other problems of the file follow the explanations', async () => {
    const { lines } = await issuesOf(v2('fips: true\noneshot: "yes"\n'));
    assert.match(lines[0] ?? '', /^bot\.yaml:2:7: fips: `fips: true` is valid in Teleport's tbot, but this agent cannot serve it: FIPS mode needs/);
    assert.match(lines[1] ?? '', /^bot\.yaml:3:10: oneshot: got a string/);
  });

  it('fips: false is fine', async () => {
    assert.equal((await load(v2('fips: false\n'))).outputs.length, 0);
  });

  it('a label selector is explained; a name selector in the same list is not', async () => {
    const { lines } = await issuesOf(v2(`outputs:\n  - {type: kubernetes/v2, selectors: [{name: a}, {labels: {env: dev}}], ${MEM}}\n`));
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /outputs\[0\]\.selectors\[1\]\.labels: a `labels` selector is valid in Teleport's tbot/);
  });
});

describe('v1 configs', () => {
  it('no version and a v1 layout: how to migrate', async () => {
    await expectIssue('destinations:\n  - directory: /opt/x\n', /^bot\.yaml:1:1: version: missing, so this is a v1 config .*tbot migrate -c OLD\.yaml -o NEW\.yaml/);
    await expectIssue('version: v1\ndestinations: []\n', /^bot\.yaml:1:10: version: "v1": a v1 config/);
  });

  it('no version but a v2 layout: add the line', async () => {
    await expectIssue(
      `outputs:\n  - {type: identity, ${MEM}}\n`,
      /version: missing; without it Teleport's tbot reads the file as a v1 config .*; expected `version: v2` as the first line/,
    );
  });
});

describe('flags and sources', () => {
  it('--storage and --data-dir take tbot URIs', () => {
    assert.deepEqual(destinationFromUri('file:///var/lib/tbot'), { ok: true, destination: { type: 'directory', path: '/var/lib/tbot' } });
    assert.deepEqual(destinationFromUri('./data'), { ok: true, destination: { type: 'directory', path: './data' } });
    assert.deepEqual(destinationFromUri('memory://'), { ok: true, destination: { type: 'memory' } });
    assert.deepEqual(destinationFromUri('kubernetes-secret:///bot'), { ok: true, destination: { type: 'kubernetes_secret', name: 'bot' } });
    assert.deepEqual(destinationFromUri('kubernetes-secret://ns/bot'), { ok: true, destination: { type: 'kubernetes_secret', name: 'bot', namespace: 'ns' } });
    for (const bad of ['file://otherhost/x', 'memory://x', 'kubernetes-secret://', 's3://bucket/x', '']) assert.equal(destinationFromUri(bad).ok, false, bad);
  });

  it('a bad --storage URI is blamed on the flag; a kubernetes-secret one is explained', async () => {
    await assert.rejects(load(v2(''), { storage: 's3://bucket' }), (error: ConfigError) =>
      /^flag --storage: storage: "s3:\/\/bucket" has the unknown scheme "s3:\/\/"/.test(formatIssue(error.issues[0]!)),
    );
    await assert.rejects(
      load(v2(''), { storage: 'kubernetes-secret:///bot' }),
      (error: unknown) => error instanceof ClusterOnlyError && /^flag --storage: storage\.type: `type: kubernetes_secret` is valid/.test(formatIssue(error.issues[0]!)),
    );
  });

  it('an env var is named as the source of a bad value', async () => {
    await expectIssue(v2(''), /^flag --proxy-server \(from TELEPORT_PROXY\): proxy_server: invalid value/, {
      proxyServer: 'a b',
      labels: { proxyServer: '--proxy-server (from TELEPORT_PROXY)' },
    });
  });

  it("start <kind> entries are appended after the file's outputs, and their problems blamed on their flags", async () => {
    const config = await load(v2(`services:\n  - {type: identity, ${MEM}}\n`), {
      entries: [{ raw: { type: 'application', app_name: 'a', destination: { type: 'memory' } }, labels: { '': 'tbot start application', app_name: '--app' } }],
    });
    assert.deepEqual(
      config.outputs.map((output) => output.type),
      ['identity', 'application'],
    );
    await expectIssue(v2(''), /^flag --ip-san: services\[0\]\.svid\.sans\.ip\[0\]: is not an IP address/, {
      entries: [
        {
          raw: { type: 'spiffe-svid', svid: { path: '/a', sans: { ip: ['nope'] } }, destination: { type: 'memory' } },
          labels: { '': 'tbot start spiffe-svid', 'svid.sans.ip': '--ip-san' },
        },
      ],
    });
  });

  it('TBOT_CONFIG: base64 YAML, positions named after the variable', async () => {
    const text = Buffer.from(v2('oneshot: "x"\n')).toString('base64');
    await assert.rejects(load('', {}, { kind: 'base64', label: 'TBOT_CONFIG', text }), (error: ConfigError) =>
      /^TBOT_CONFIG:2:10: oneshot: got a string/.test(formatIssue(error.issues[0]!)),
    );
    await assert.rejects(
      load('', {}, { kind: 'base64', label: 'TBOT_CONFIG', text: 'not base64!' }),
      (error: unknown) => error instanceof ConfigReadError && /TBOT_CONFIG: cannot read config: it is not valid base64/.test(error.message),
    );
    const good = await load('', {}, { kind: 'base64', label: 'TBOT_CONFIG', text: Buffer.from(v2('oneshot: true\n')).toString('base64') });
    assert.equal(good.oneshot, true);
    assert.equal(good.source, 'TBOT_CONFIG');
  });
});

describe("Go tbot's leniency inside outputs, services, storage and onboarding", () => {
  const warningsOf = async (text: string): Promise<string[]> => (await load(v2(text))).warnings.filter((warning) => warning.includes('not used by tbot'));

  it('roles on workload-identity outputs (a shared snippet of the reference pages) load with a located warning', async () => {
    const config = await load(
      v2(
        `outputs:\n  - type: identity\n    ${MEM}\n  - type: workload-identity-x509\n    selector: {name: a}\n    ${MEM}\n    roles: [editor]\n  - type: workload-identity-jwt\n    selector: {name: a}\n    audiences: [x]\n    ${MEM}\n    roles: [editor]\n`,
      ),
    );
    assert.deepEqual(
      config.outputs.map((output) => output.type),
      ['identity', 'workload-identity-x509', 'workload-identity-jwt'],
    );
    assert.deepEqual(
      config.warnings.filter((warning) => warning.includes('not used')),
      ['bot.yaml:8:5: outputs[1].roles is not used by tbot; ignored', 'bot.yaml:13:5: outputs[2].roles is not used by tbot; ignored'],
    );
  });

  it('svid.jwts on spiffe-svid is ignored with a warning; the output has no JWTs', async () => {
    const config = await load(v2(`outputs:\n  - type: spiffe-svid\n    ${MEM}\n    svid:\n      path: /a\n      jwts: [{audience: x, file_name: y}]\n`));
    assert.deepEqual((config.outputs[0] as SpiffeSvidOutput).jwts, []);
    assert.deepEqual(
      config.warnings.filter((warning) => warning.includes('not used')),
      ['bot.yaml:7:7: outputs[0].svid.jwts is not used by tbot; ignored'],
    );
  });

  it('static_key_path in onboarding.bound_keypair is warned about, pointing at static_private_key_path', async () => {
    assert.deepEqual(await warningsOf('onboarding:\n  join_method: bound_keypair\n  bound_keypair:\n    static_key_path: /k\n'), [
      'bot.yaml:5:5: onboarding.bound_keypair.static_key_path is not used by tbot; ignored; did you mean "static_private_key_path"?',
    ]);
  });

  it('unknown keys in a destination (storage too) and in a service load, warned', async () => {
    assert.deepEqual(await warningsOf('storage: {type: memory, path: /x}\nservices:\n  - {type: identity, destination: {type: memory, mode: 0600}}\n'), [
      'bot.yaml:2:25: storage.path is not used by tbot; ignored',
      'bot.yaml:4:50: services[0].destination.mode is not used by tbot; ignored',
    ]);
  });

  it('a key with no value is read as absent, as Go reads null: `kubernetes:` under onboarding is an empty block', async () => {
    const config = await load(v2('onboarding:\n  join_method: kubernetes\n  token: bot-token\n  kubernetes:\n    # token_path: /var/run/secrets/tokens/join-sa-token\n'));
    assert.equal(config.joinMethod, 'kubernetes');
    await expectIssue(v2('outputs:\n  - null\n'), /^bot\.yaml:3:5: outputs\[0\]: /);
  });

  it('registration_secret with registration_secret_path loads: tbot checks the pair only when a bound_keypair join runs', async () => {
    const both = 'bound_keypair: {registration_secret: s, registration_secret_path: /s}';
    const joining = await load(v2(`onboarding:\n  join_method: bound_keypair\n  ${both}\n`));
    assert.ok(joining.warnings.some((warning) => /registration_secret and registration_secret_path are both set; tbot refuses that when it joins/.test(warning)));
    const other = await load(v2(`onboarding:\n  join_method: token\n  ${both}\n`));
    assert.ok(!other.warnings.some((warning) => warning.includes('registration_secret')));
  });

  it('workload_identity, the older name of selector, loads as an alias with a deprecation warning', async () => {
    const old = await load(v2(`outputs:\n  - type: workload-identity-x509\n    workload_identity: {name: w}\n    ${MEM}\n`));
    assert.deepEqual((old.outputs[0] as { selector: unknown }).selector, { name: 'w' });
    assert.ok(old.warnings.includes('outputs[0].workload_identity is the older name of selector; it is read as selector (rename it)'), old.warnings.join('\n'));
    const both = await load(v2(`outputs:\n  - type: workload-identity-x509\n    selector: {name: new}\n    workload_identity: {name: old}\n    ${MEM}\n`));
    assert.deepEqual((both.outputs[0] as { selector: unknown }).selector, { name: 'new' });
    assert.ok(both.warnings.some((warning) => /both selector and workload_identity are set; selector is used/.test(warning)));
    const { clusterOnly } = await issuesOf(v2(`outputs:\n  - type: workload-identity-x509\n    workload_identity: {labels: {a: b}}\n    ${MEM}\n`));
    assert.ok(clusterOnly, 'a labels selector under the old name is explained as cluster-only');
    await expectIssue(v2(`outputs:\n  - type: workload-identity-x509\n    ${MEM}\n`), /outputs\[0\]\.selector: has no name/);
  });

  it('where tbot is strict in spirit (the top level), an unknown key is still refused, and so is a wrong value inside an output', async () => {
    await expectIssue(v2('outptus: []\n'), /^bot\.yaml:2:1: outptus: unknown field "outptus"; .*did you mean "outputs"\?$/);
    await expectIssue(v2(`outputs:\n  - {type: identity, ${MEM}, roles: editor}\n`), /outputs\[0\]\.roles: got a string/);
  });

  it('thousands of unknown keys: the first 20 are named, the rest counted, in errors and in warnings', async () => {
    const keys = Array.from({ length: 5000 }, (_, index) => `k${index}: 1\n`).join('');
    const { lines } = await issuesOf(v2(keys));
    assert.equal(lines.length, 5000);
    await assert.rejects(load(v2(keys)), (error: ConfigError) => {
      const shown = error.message.split('\n');
      assert.equal(shown.length, 21);
      assert.match(shown[0] as string, /^bot\.yaml:2:1: k0: unknown field "k0"/);
      assert.equal(shown[20], 'and 4980 more problems');
      return true;
    });
    const inOutput = Array.from({ length: 5000 }, (_, index) => `    k${index}: 1\n`).join('');
    const warned = (await load(v2(`outputs:\n  - type: identity\n    ${MEM}\n${inOutput}`))).warnings.filter((warning) => /not used|more keys/.test(warning));
    assert.equal(warned.length, 21);
    assert.equal(warned[0], 'bot.yaml:5:5: outputs[0].k0 is not used by tbot; ignored');
    assert.equal(warned[20], 'and 4980 more keys that tbot does not use; ignored');
  });
});
