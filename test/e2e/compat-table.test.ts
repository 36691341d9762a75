/**
 * The "Compatibility with Teleport's tbot" tables of docs/compatibility.md, held to the agent: every row has a
 * probe whose outcome must match the row's verdict (loads, or the needs-a-cluster explanation),
 * and every key of the config schema and every tbot flag and command of the CLI has a row.
 * Config rows go through the loader in-process (fast, the same code the bundle runs); command,
 * flag and env var rows spawn the built CLI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GLOBAL_FLAGS, TBOT_COMMANDS } from '../../src/cli/command-table.js';
import type { CommandDef } from '../../src/cli/command-types.js';
import { ClusterOnlyError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load-config.js';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import { readCompatTable, type CompatRow } from '../helpers/compat-table.js';
import { cleanEnv, runTbot, type RunResult } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const rows = readCompatTable();
const CONFIGURATION_PAGE = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));
const CLUSTER = 'needs a Teleport cluster: error';

// ---- config rows: YAML after `version: v2` ----

const MEMORY = 'destination: {type: memory}';
const BASE: Record<string, string> = {
  identity: `type: identity, ${MEMORY}`,
  database: `type: database, service: pg, ${MEMORY}`,
  kubernetes: `type: kubernetes, kubernetes_cluster: k, ${MEMORY}`,
  'kubernetes/v2': `type: kubernetes/v2, selectors: [{name: k}], ${MEMORY}`,
  application: `type: application, app_name: a, ${MEMORY}`,
  ssh_host: `type: ssh_host, principals: [h.example.com], ${MEMORY}`,
  'spiffe-svid': `type: spiffe-svid, svid: {path: /a}, ${MEMORY}`,
  'workload-identity-x509': `type: workload-identity-x509, selector: {name: w}, ${MEMORY}`,
  'workload-identity-jwt': `type: workload-identity-jwt, selector: {name: w}, audiences: [a], ${MEMORY}`,
};
const service = (fields: string): string => `services: [{${fields}}]`;
const withField = (kind: string, field: string): string => service(`${BASE[kind] as string}, ${field}`);
const CLUSTER_TYPE = (type: string): string => service(`type: ${type}`);

const CONFIG_PROBES: Record<string, string> = {
  version: '',
  onboarding: 'onboarding: {join_method: token, token: t}',
  'onboarding.token': 'onboarding: {token: t}',
  'onboarding.join_method': 'onboarding: {join_method: gitlab}',
  'onboarding.ca_pins': 'onboarding: {ca_pins: ["sha256:00"]}',
  'onboarding.ca_path': 'onboarding: {ca_path: /etc/ca.pem}',
  'onboarding.azure.client_id': 'onboarding: {azure: {client_id: c}}',
  'onboarding.terraform.audience_tag': 'onboarding: {terraform: {audience_tag: t}}',
  'onboarding.gitlab.token_env_var_name': 'onboarding: {gitlab: {token_env_var_name: MY_JWT}}',
  'onboarding.bound_keypair.registration_secret': 'onboarding: {bound_keypair: {registration_secret: s}}',
  'onboarding.bound_keypair.registration_secret_path': 'onboarding: {bound_keypair: {registration_secret_path: /s}}',
  'onboarding.bound_keypair.static_private_key_path': 'onboarding: {bound_keypair: {static_private_key_path: /k}}',
  'onboarding.kubernetes.token_path': 'onboarding: {kubernetes: {token_path: /t}}',
  'onboarding.generic_oidc.env': 'onboarding: {generic_oidc: {env: OIDC}}',
  'onboarding.generic_oidc.command': 'onboarding: {generic_oidc: {command: [get-token]}}',
  'onboarding.generic_oidc.timeout': 'onboarding: {generic_oidc: {timeout: 30s}}',
  storage: 'storage: {type: directory, path: /var/lib/tbot}',
  outputs: `outputs: [{${BASE['identity'] as string}}]`,
  services: 'services: []',
  debug: 'debug: true',
  auth_server: 'auth_server: auth.example.com:3025',
  proxy_server: 'proxy_server: example.teleport.sh:443',
  join_uri: 'join_uri: tbot+proxy+token://t@example.teleport.sh:443',
  credential_ttl: 'credential_ttl: 2h',
  certificate_ttl: 'certificate_ttl: 2h',
  renewal_interval: 'renewal_interval: 10m',
  leeway: 'leeway: 1m0s',
  oneshot: 'oneshot: true',
  fips: 'fips: true',
  diag_addr: 'diag_addr: 127.0.0.1:3000',
  insecure: 'insecure: true',
  anonymous_analytics: 'anonymous_analytics: true',
  directory: 'storage: {type: directory, path: /var/lib/tbot}',
  'directory.path': 'storage: {type: directory, path: ./data}',
  'directory.symlinks': 'storage: {type: directory, path: ./data, symlinks: insecure}',
  'directory.acls': 'storage: {type: directory, path: ./data, acls: off}',
  'directory.readers': `outputs: [{type: identity, destination: {type: directory, path: ./out, readers: [{user: 0}, {group: adm}]}}]`,
  memory: 'storage: {type: memory}',
  kubernetes_secret: 'storage: {type: kubernetes_secret, name: s}',
  '*.name': withField('identity', 'name: my-identity'),
  '*.credential_ttl': withField('database', 'credential_ttl: 30m, renewal_interval: 10m'),
  '*.renewal_interval': withField('application', 'credential_ttl: 30m, renewal_interval: 10m'),
  '*.certificate_ttl': withField('identity', 'certificate_ttl: 30s, renewal_interval: 15s'),
  '*.roles': withField('kubernetes', 'roles: [access, editor]'),
  'identity.cluster': withField('identity', 'cluster: leaf.example.com'),
  'identity.ssh_config': withField('identity', 'ssh_config: "off"'),
  'identity.allow_reissue': withField('identity', 'allow_reissue: true'),
  'database.service': withField('database', 'database: d'),
  'database.database': withField('database', 'database: d'),
  'database.username': withField('database', 'username: u'),
  'database.format': withField('database', 'format: cockroach'),
  'kubernetes.kubernetes_cluster': withField('kubernetes', 'disable_exec_plugin: false'),
  'kubernetes.disable_exec_plugin': withField('kubernetes', 'disable_exec_plugin: true'),
  'kubernetes.delegation_session_id': withField('kubernetes', 'delegation_session_id: d'),
  'kubernetes/v2.selectors.name': service(`type: kubernetes/v2, selectors: [{name: a}, {name: b}], ${MEMORY}`),
  'kubernetes/v2.selectors.default_namespace': service(`type: kubernetes/v2, selectors: [{name: a, default_namespace: web}], ${MEMORY}`),
  'kubernetes/v2.selectors.labels': service(`type: kubernetes/v2, selectors: [{labels: {env: dev}}], ${MEMORY}`),
  'kubernetes/v2.disable_exec_plugin': withField('kubernetes/v2', 'disable_exec_plugin: true'),
  'kubernetes/v2.context_name_template': withField('kubernetes/v2', 'context_name_template: "{{.KubeName}}"'),
  'kubernetes/v2.relay_server': withField('kubernetes/v2', 'relay_server: relay.example.com:443'),
  'application.app_name': withField('application', 'roles: [access]'),
  'application.specific_tls_naming': withField('application', 'specific_tls_naming: true'),
  'ssh_host.principals': withField('ssh_host', 'roles: [access]'),
  'ssh_host.ca_type': withField('ssh_host', 'ca_type: openssh'),
  'spiffe-svid.svid.path': service(`type: spiffe-svid, svid: {path: /svc/web}, ${MEMORY}`),
  'spiffe-svid.svid.hint': service(`type: spiffe-svid, svid: {path: /a, hint: h}, ${MEMORY}`),
  'spiffe-svid.svid.sans': service(`type: spiffe-svid, svid: {path: /a, sans: {dns: [a.example.com], ip: [10.0.0.1, "::1"]}}, ${MEMORY}`),
  'spiffe-svid.jwts': withField('spiffe-svid', 'jwts: [{audience: vault, file_name: vault.jwt}]'),
  'spiffe-svid.include_federated_trust_bundles': withField('spiffe-svid', 'include_federated_trust_bundles: true'),
  'workload-identity-x509.selector.name': withField('workload-identity-x509', 'include_federated_trust_bundles: false'),
  'workload-identity-x509.selector.labels': service(`type: workload-identity-x509, selector: {labels: {env: [dev]}}, ${MEMORY}`),
  'workload-identity-x509.include_federated_trust_bundles': withField('workload-identity-x509', 'include_federated_trust_bundles: true'),
  'workload-identity-x509.workload_identity': service(`type: workload-identity-x509, workload_identity: {name: w}, ${MEMORY}`),
  'workload-identity-jwt.selector.name': withField('workload-identity-jwt', 'credential_ttl: 48h, renewal_interval: 1h'),
  'workload-identity-jwt.selector.labels': service(`type: workload-identity-jwt, selector: {labels: {env: [dev]}}, audiences: [a], ${MEMORY}`),
  'workload-identity-jwt.audiences': service(`type: workload-identity-jwt, selector: {name: w}, audiences: [a, b], ${MEMORY}`),
  'workload-identity-aws-roles-anywhere': CLUSTER_TYPE('workload-identity-aws-roles-anywhere'),
  'kubernetes/argo-cd': CLUSTER_TYPE('kubernetes/argo-cd'),
  'database-tunnel': CLUSTER_TYPE('database-tunnel'),
  'application-tunnel': CLUSTER_TYPE('application-tunnel'),
  'application-proxy': CLUSTER_TYPE('application-proxy'),
  'ssh-multiplexer': CLUSTER_TYPE('ssh-multiplexer'),
  'spiffe-workload-api': CLUSTER_TYPE('spiffe-workload-api'),
  'workload-identity-api': CLUSTER_TYPE('workload-identity-api'),
  example: service('type: example, message: hello'),
};
for (const [kind, base] of Object.entries(BASE)) CONFIG_PROBES[kind] ??= service(base);

type Outcome = 'loads' | 'cluster';
const expected = (row: CompatRow): Outcome => (row.verdict === CLUSTER ? 'cluster' : 'loads');

async function loadOutcome(yaml: string): Promise<{ outcome: Outcome; detail: string }> {
  try {
    await loadConfig({ source: { kind: 'file', path: 'probe.yaml' }, flags: {}, cwd: '/work', readFile: async () => `version: v2\n${yaml}\n`, realPath: async (path) => path });
    return { outcome: 'loads', detail: '' };
  } catch (error) {
    if (error instanceof ClusterOnlyError) return { outcome: 'cluster', detail: error.message };
    return { outcome: 'loads', detail: `refused: ${(error as Error).message}` };
  }
}

const configSections = new Set(['Config keys', 'Destinations', 'Outputs and services']);

describe('compatibility table (docs/compatibility.md): config keys, destinations, outputs and services', () => {
  for (const row of rows.filter((candidate) => configSections.has(candidate.section))) {
    it(`${row.name}: ${row.verdict}`, async () => {
      const probe = CONFIG_PROBES[row.name];
      assert.notEqual(probe, undefined, `no probe for the compatibility row ${row.name}`);
      const { outcome, detail } = await loadOutcome(probe as string);
      assert.equal(detail.startsWith('refused') ? detail : outcome, expected(row), detail);
      if (outcome === 'cluster') assert.match(detail, /is valid in Teleport's tbot, but this agent cannot serve it/);
    });
  }

  it("docs/configuration.md's example config loads, with every output it shows", async () => {
    const page = await readFile(CONFIGURATION_PAGE, 'utf8');
    const start = page.indexOf('```yaml\n') + '```yaml\n'.length;
    const yaml = page.slice(start, page.indexOf('```', start));
    const config = await loadConfig({
      source: { kind: 'file', path: 'docs/configuration.md' },
      flags: {},
      cwd: '/work',
      readFile: async () => yaml,
      realPath: async (path) => path,
    });
    assert.deepEqual(
      config.outputs.map((output) => output.type),
      ['identity', 'database', 'kubernetes/v2', 'application', 'spiffe-svid', 'workload-identity-jwt'],
    );
  });

  it('every probe has a row (no test without its row)', () => {
    const named = new Set(rows.map((row) => row.name));
    assert.deepEqual(
      Object.keys(CONFIG_PROBES).filter((name) => !named.has(name)),
      [],
    );
  });

  it('every key of the config schema has a row', () => {
    const named = new Set(rows.map((row) => row.name));
    const schema = configSchema as unknown as {
      properties: Record<string, { properties?: Record<string, { properties?: Record<string, unknown> }> }>;
      definitions: Record<string, { oneOf?: { properties: Record<string, { const?: string; properties?: Record<string, unknown> }> }[]; properties?: Record<string, unknown> }>;
    };
    const missing: string[] = [];
    const need = (name: string): void => void (named.has(name) || missing.push(name));
    for (const [key, node] of Object.entries(schema.properties)) {
      need(key);
      if (key === 'onboarding') {
        for (const [sub, subNode] of Object.entries(node.properties ?? {})) {
          if (subNode.properties === undefined) need(`onboarding.${sub}`);
          else for (const leaf of Object.keys(subNode.properties)) need(`onboarding.${sub}.${leaf}`);
        }
      }
    }
    for (const branch of schema.definitions['destination']?.oneOf ?? []) {
      const type = branch.properties['type']?.const as string;
      need(type);
      if (type === 'directory') for (const key of Object.keys(branch.properties)) if (key !== 'type') need(`directory.${key}`);
    }
    const common = new Set(['type', 'destination', 'name', 'credential_ttl', 'renewal_interval', 'certificate_ttl', 'roles']);
    for (const key of common) if (key !== 'type' && key !== 'destination') need(`*.${key}`);
    for (const branch of schema.definitions['entry']?.oneOf ?? []) {
      const type = branch.properties['type']?.const as string;
      if (type === 'workload-identity-aws-ra') continue; // the row of its released name covers it
      need(type);
      if (!(type in BASE)) continue; // a cluster-only type: its row covers all its fields
      for (const [key, node] of Object.entries(branch.properties)) {
        if (common.has(key)) continue;
        const children = Object.keys((node as { properties?: Record<string, unknown> }).properties ?? {});
        const items = (node as { items?: { $ref?: string } }).items?.$ref;
        if (key === 'selectors' && items !== undefined)
          for (const child of Object.keys(schema.definitions['kubernetesSelector']?.properties ?? {})) need(`${type}.${key}.${child}`);
        else if (key === 'selector') for (const child of Object.keys(schema.definitions['workloadIdentitySelector']?.properties ?? {})) need(`${type}.${key}.${child}`);
        else if (children.length > 0) for (const child of children) need(`${type}.${key}.${child}`);
        else need(`${type}.${key}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});

// ---- command, flag and env var rows: the built CLI ----

interface CliProbe {
  args: string[];
  env?: Record<string, string>;
  /** What else must hold when the row loads (the flag or env var took effect). */
  check?: (run: RunResult) => void;
}

const SAMPLE = 'version: v2\noneshot: true\nservices:\n  - {type: database, service: pg, destination: {type: memory}}\n';
const has = (pattern: RegExp) => (run: RunResult) => assert.match(`${run.stdout}${run.stderr}`, pattern);
const body = (run: RunResult): { start: Record<string, unknown> } => JSON.parse(run.stdout).body;

function cliProbes(dir: string, diagAddr: string): Record<string, CliProbe> {
  const sample = join(dir, 'sample.yaml');
  // Rows that can be checked on one command line share it (runs are memoized by command line).
  const legacy = [
    'configure',
    '-a',
    'auth.example.com:3025',
    '--proxy-server',
    'example.teleport.sh:443',
    '--token',
    'tok',
    '--ca-pin',
    'sha256:aa',
    '--ca-pin',
    'sha256:bb',
    '--certificate-ttl',
    '42m',
    '--renewal-interval',
    '21m',
    '--join-method',
    'github',
    '--oneshot',
    '--diag-addr',
    '127.0.0.1:3000',
    '--storage',
    'file:///var/lib/tbot',
    '--destination-dir',
    './out',
  ];
  const onLegacy = (check: (run: RunResult) => void): CliProbe => ({ args: legacy, check });
  const identity = [
    'configure',
    'id',
    '--destination',
    'file:///srv/tbot/out',
    '--cluster',
    'leaf.example.com',
    '--allow-reissue',
    '--reader-user',
    'deploy',
    '--reader-group',
    '1001',
  ];
  const database = ['configure', 'db', '--destination', 'memory://', '--service', 'pg', '--username', 'alice', '--database', 'orders', '--format', 'cockroach'];
  const kube = ['configure', 'k8s', '--destination', 'memory://', '--kubernetes-cluster', 'prod', '--disable-exec-plugin'];
  const kubeV2 = ['configure', 'k8s/v2', '--destination', 'memory://', '--name-selector', 'a', '--name-selector', 'b'];
  const app = ['configure', 'app', '--destination', 'memory://', '--app', 'grafana', '--specific-tls-extensions'];
  const svid = ['configure', 'spiffe-svid', '--destination', 'memory://', '--svid-path', '/svc/web', '--svid-hint', 'web', '--dns-san', 'a.example.com', '--ip-san', '10.0.0.1'];
  const x509 = ['configure', 'workload-identity-x509', '--destination', 'memory://', '--name-selector', 'w', '--include-federated-trust-bundles'];
  const jwt = ['configure', 'workload-identity-jwt', '--destination', 'memory://', '--name-selector', 'w', '--audience', 'a', '--audience', 'b'];
  const aws = [
    'configure',
    'workload-identity-aws-roles-anywhere',
    '--destination',
    'memory://',
    '--name-selector',
    'w',
    '--role-arn',
    'r',
    '--profile-arn',
    'p',
    '--trust-anchor-arn',
    't',
    '--region',
    'eu-west-1',
    '--session-duration',
    '1h',
    '--session-renewal-interval',
    '10m',
  ];
  const mux = ['configure', 'ssh-multiplexer', '--destination', './mux', '--enable-resumption', '--proxy-command', 'fdpass', '--proxy-templates-path', 'x'];
  const addressEnv = { TELEPORT_PROXY: 'example.teleport.sh:443', TELEPORT_AUTH_SERVER: 'auth.example.com:3025', TELEPORT_BOT_TOKEN: 'tok' };
  const onAddressEnv = (check: (run: RunResult) => void): CliProbe => ({ args: ['configure'], env: addressEnv, check });
  const analyticsEnv = { TELEPORT_ANONYMOUS_TELEMETRY: '1', TELEPORT_ANONYMOUS_TELEMETRY_ADDRESS: 'http://127.0.0.1:9' };
  const helperEnv = { _TBOT_TELEMETRY_HELPER: 'gha:teleport-actions/auth', _TBOT_TELEMETRY_HELPER_VERSION: '1.2.0' };
  const joinTimeEnv = Object.fromEntries(
    [
      'TBOT_USE_PROXY_ADDR',
      'TBOT_REGISTRATION_SECRET',
      'TBOT_BOUND_KEYPAIR_STATIC_KEY',
      'TBOT_GITLAB_JWT',
      'TERRAFORM_WORKLOAD_IDENTITY_AUDIENCE',
      'KUBERNETES_TOKEN_PATH',
      'POD_NAMESPACE',
      'KUBECONFIG',
      'AWS_REGION',
    ].map((name) => [name, 'yes']),
  );
  const written = has(/^# tbot config file generated by `configure` command\nversion: v2\n/);
  const wait = { args: ['wait', '--diag-addr', diagAddr, '--timeout', '10s'], check: has(/bot reported healthy/) } satisfies CliProbe;
  const owner = `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`;
  const init = {
    args: ['init', '-c', join(dir, 'two-outputs.yaml'), '--init-dir', './b', '--owner', owner, '--bot-user', 'botuser', '--clean'],
    check: has(/ACLs are not usable for destination .*\/b: .* bot_user=botuser[\s\S]*destination is ready path=\S*\/b /),
  } satisfies CliProbe;
  const keypair = {
    args: ['keypair', 'create', '--storage', join(dir, 'keypair'), '--proxy-server', 'example.teleport.sh:443'],
    check: has(/^\tssh-ed25519 AAAA\S+$/m),
  } satisfies CliProbe;
  const staticKey = {
    args: ['keypair', 'create', '--static', '--static-key-path', join(dir, 'static.pem'), '--overwrite', '--proxy-server', 'example.teleport.sh:443'],
    check: has(/\tssh-ed25519 AAAA[\s\S]*static private key has been written/),
  } satisfies CliProbe;
  const pidFile = join(dir, 'probe.pid');
  // Two lines check every `install systemd` row (a dry run prints the unit); they write into the workspace, never /etc.
  const install = ['install', 'systemd', '-c', sample, '--systemd-directory', join(dir, 'units'), '--name', 'my-bot', '--user', 'deploy', '--group', 'deploy'];
  const installWrite = [...install, '--write', '--force'];
  return {
    'tbot wait': wait,
    '--timeout': wait,
    'tbot init': init,
    '--owner': init,
    '--bot-user': init,
    '--init-dir': init,
    '--clean': init,
    'tbot keypair': keypair,
    'tbot keypair create': keypair,
    '--overwrite': staticKey,
    '--static': staticKey,
    '--static-key-path': staticKey,
    '--join-uri': {
      args: ['configure', 'id', '--destination', 'memory://', '--join-uri', 'tbot+proxy+bound-keypair://tok:sec@example.teleport.sh:443'],
      check: has(/^join_uri: tbot\+proxy\+bound-keypair:\/\/tok:sec@example\.teleport\.sh:443$/m),
    },
    '--registration-secret-path': {
      args: ['configure', 'id', '--destination', 'memory://', '--registration-secret-path', '/etc/tbot/secret'],
      check: has(/^ {4}registration_secret_path: \/etc\/tbot\/secret$/m),
    },
    '--registration-secret': { args: ['configure', 'id', '--destination', 'memory://', '--registration-secret', 's3'], check: has(/^ {4}registration_secret: s3$/m) },
    '--pid-file': {
      args: ['start', 'id', '--destination', 'memory://', '--oneshot', '--pid-file', pidFile],
      check: (run) => {
        assert.match(run.stderr, /renewal cycle complete/);
        assert.equal(existsSync(pidFile), false, 'the PID file outlived the agent');
      },
    },
    'tbot start': { args: ['start', '--oneshot', '-c', sample], check: has(/renewal cycle complete output="database \(memory\)"/) },
    'tbot start identity': { args: identity, check: written },
    'tbot start database': { args: database, check: written },
    'tbot start kubernetes': { args: kube, check: written },
    'tbot start kubernetes/v2': { args: kubeV2, check: written },
    'tbot start application': { args: app, check: written },
    'tbot start spiffe-svid': { args: svid, check: written },
    'tbot start workload-identity-x509': { args: x509, check: written },
    'tbot start workload-identity-jwt': { args: jwt, check: written },
    'tbot start noop': { args: ['start', 'no-op', '--oneshot'], check: has(/no outputs are configured/) },
    'tbot start application-tunnel': { args: ['start', 'app-tunnel', '--listen', 'tcp://127.0.0.1:0', '--app', 'a'] },
    'tbot start application-proxy': { args: ['start', 'app-proxy', '--listen', 'tcp://127.0.0.1:0'] },
    'tbot start database-tunnel': { args: ['start', 'db-tunnel', '--listen', 'tcp://127.0.0.1:0', '--service', 's', '--username', 'u', '--database', 'd'] },
    'tbot start workload-identity-api': { args: ['start', 'workload-identity-api', '--listen', 'unix:///tmp/x.sock', '--name-selector', 'w'] },
    'tbot start workload-identity-aws-roles-anywhere': { args: ['start', ...aws.slice(1)] },
    'tbot start ssh-multiplexer': { args: ['start', ...mux.slice(1)] },
    'tbot configure': onLegacy(written),
    'tbot version': { args: ['version'], check: has(/^tbot v\d/) },
    'tbot migrate': {
      args: ['migrate', '-c', join(dir, 'v1.yaml')],
      check: has(/^# tbot config file generated by `migrate` command\nversion: v2\n[\s\S]*^services:\n- type: identity\n/m),
    },
    'tbot kube credentials': {
      args: ['kube', 'credentials', '--destination-dir', join(dir, 'kube')],
      check: (run) => assert.equal(JSON.parse(run.stdout).kind, 'ExecCredential'),
    },
    'tbot install systemd': { args: install, check: has(/^ExecStart=\S+ \S+ start -c \S+sample\.yaml( --pid-file=\/run\/my-bot\.pid)?$/m) },
    '--debug': { args: ['start', '--oneshot', '-d', '-c', sample], check: has(/ DEBUG /) },
    '--config': { args: ['analytics', 'preview', '--format', 'json', '--config', sample], check: (run) => assert.equal(body(run).start['destinationsDatabase'], 1) },
    '--config-string': {
      args: ['analytics', 'preview', '--format', 'json', '--config-string', Buffer.from(SAMPLE).toString('base64')],
      check: (run) => assert.equal(body(run).start['destinationsDatabase'], 1),
    },
    '--fips': { args: ['analytics', 'preview', '--fips'] },
    '--insecure': { args: ['configure', '--insecure'], check: has(/^insecure: true$/m) },
    '--log-format': {
      args: ['start', '--oneshot', '--log-format', 'json', '-c', sample],
      check: (run) =>
        assert.ok(
          run.stderr
            .trim()
            .split('\n')
            .every((line) => JSON.parse(line).level !== undefined),
        ),
    },
    '--auth-server': onLegacy(has(/^auth_server: auth\.example\.com:3025$/m)),
    '--proxy-server': onLegacy(has(/^proxy_server: example\.teleport\.sh:443$/m)),
    '--token': onLegacy(has(/^ {2}token: tok$/m)),
    '--ca-pin': onLegacy(has(/^ {2}ca_pins:\n {2}- sha256:aa\n {2}- sha256:bb$/m)),
    '--certificate-ttl': onLegacy(has(/^credential_ttl: 42m0s$/m)),
    '--renewal-interval': onLegacy(has(/^renewal_interval: 21m0s$/m)),
    '--join-method': onLegacy(has(/^ {2}join_method: github$/m)),
    '--oneshot': onLegacy(has(/^oneshot: true$/m)),
    '--diag-addr': onLegacy(has(/^diag_addr: 127\.0\.0\.1:3000$/m)),
    '--storage': onLegacy(has(/^storage:\n {2}type: directory\n {2}path: \/var\/lib\/tbot$/m)),
    '--data-dir': { args: ['configure', '--data-dir', 'memory://'], check: has(/^storage:\n {2}type: memory$/m) },
    '--destination-dir': onLegacy(has(/^outputs:\n- type: identity\n {2}destination:\n {4}type: directory\n {4}path: \.\/out$/m)),
    '--destination': { args: identity, check: has(/path: \/srv\/tbot\/out/) },
    '--reader-user': { args: identity, check: has(/readers:\n {4}- user: deploy/) },
    '--reader-group': { args: identity, check: has(/- group: "1001"/) },
    '--output': { args: ['configure', '-o', join(dir, 'written.yaml')], check: (run) => assert.match(run.stderr, /generated config file written to .*written\.yaml/) },
    '--name': { args: install, check: has(/^Description=my-bot - /m) },
    '--user': { args: install, check: has(/^User=deploy$/m) },
    '--group': { args: install, check: has(/^Group=deploy$/m) },
    '--force': { args: installWrite, check: has(/wrote .*my-bot\.service/) },
    '--write': { args: installWrite, check: has(/wrote .*my-bot\.service/) },
    '--systemd-directory': { args: installWrite, check: has(new RegExp(`wrote ${dir}/units/my-bot\\.service`)) },
    '--cluster': { args: identity, check: has(/^ {2}cluster: leaf\.example\.com$/m) },
    '--allow-reissue': { args: identity, check: has(/^ {2}allow_reissue: true$/m) },
    '--service': { args: database, check: has(/^ {2}service: pg$/m) },
    '--username': { args: database, check: has(/^ {2}username: alice$/m) },
    '--database': { args: database, check: has(/^ {2}database: orders$/m) },
    '--format': { args: database, check: has(/^ {2}format: cockroach$/m) },
    '--kubernetes-cluster': { args: kube, check: has(/^ {2}kubernetes_cluster: prod$/m) },
    '--disable-exec-plugin': { args: kube, check: has(/^ {2}disable_exec_plugin: true$/m) },
    '--name-selector': { args: kubeV2, check: has(/^ {2}selectors:\n {2}- name: a\n {2}- name: b$/m) },
    '--label-selector': { args: ['configure', 'workload-identity-x509', '--destination', 'memory://', '--label-selector', 'env=dev'] },
    '--app': { args: app, check: has(/^ {2}app_name: grafana$/m) },
    '--specific-tls-extensions': { args: app, check: has(/^ {2}specific_tls_naming: true$/m) },
    '--svid-path': { args: svid, check: has(/^ {4}path: \/svc\/web$/m) },
    '--svid-hint': { args: svid, check: has(/^ {4}hint: web$/m) },
    '--dns-san': { args: svid, check: has(/dns:\n {6}- a\.example\.com/) },
    '--ip-san': { args: svid, check: has(/ip:\n {6}- 10\.0\.0\.1/) },
    '--include-federated-trust-bundles': { args: x509, check: has(/^ {2}include_federated_trust_bundles: true$/m) },
    '--audience': { args: jwt, check: has(/^ {2}audiences:\n {2}- a\n {2}- b$/m) },
    '--listen': { args: ['configure', 'app-proxy', '--listen', 'tcp://127.0.0.1:0'] },
    ...Object.fromEntries(
      ['--role-arn', '--profile-arn', '--trust-anchor-arn', '--region', '--session-duration', '--session-renewal-interval'].map((flag) => [flag, { args: aws } satisfies CliProbe]),
    ),
    ...Object.fromEntries(['--enable-resumption', '--proxy-command', '--proxy-templates-path'].map((flag) => [flag, { args: mux } satisfies CliProbe])),
    TBOT_CONFIG_PATH: {
      args: ['analytics', 'preview', '--format', 'json'],
      env: { TBOT_CONFIG_PATH: sample },
      check: (run) => assert.equal(body(run).start['destinationsDatabase'], 1),
    },
    TBOT_CONFIG: {
      args: ['analytics', 'preview', '--format', 'json'],
      env: { TBOT_CONFIG: Buffer.from(SAMPLE).toString('base64') },
      check: (run) => assert.equal(body(run).start['destinationsDatabase'], 1),
    },
    TELEPORT_PROXY: onAddressEnv(has(/^proxy_server: example\.teleport\.sh:443$/m)),
    TELEPORT_AUTH_SERVER: onAddressEnv(has(/^auth_server: auth\.example\.com:3025$/m)),
    TELEPORT_BOT_TOKEN: onAddressEnv(has(/^ {2}token: tok$/m)),
    TBOT_DEBUG: { args: ['start', '--oneshot', '-c', sample], env: { TBOT_DEBUG: 'true' }, check: has(/ DEBUG /) },
    TELEPORT_ANONYMOUS_TELEMETRY: { args: ['analytics', 'status', '--format', 'json'], env: analyticsEnv, check: (run) => assert.equal(JSON.parse(run.stdout).enabled, true) },
    TELEPORT_ANONYMOUS_TELEMETRY_ADDRESS: {
      args: ['analytics', 'status', '--format', 'json'],
      env: analyticsEnv,
      check: (run) => assert.equal(JSON.parse(run.stdout).endpoint.url, 'http://127.0.0.1:9'),
    },
    _TBOT_TELEMETRY_HELPER: {
      args: ['analytics', 'preview', '--format', 'json'],
      env: helperEnv,
      check: (run) => assert.equal(body(run).start['helper'], 'gha:teleport-actions/auth'),
    },
    _TBOT_TELEMETRY_HELPER_VERSION: { args: ['analytics', 'preview', '--format', 'json'], env: helperEnv, check: (run) => assert.equal(body(run).start['helperVersion'], '1.2.0') },
    // Read by tbot only while joining a cluster (or for cluster-only parts): set, they change nothing here.
    ...Object.fromEntries(
      Object.keys(joinTimeEnv).map((name) => [
        name,
        {
          args: ['analytics', 'preview', '--format', 'json', '-c', sample],
          env: joinTimeEnv,
          check: (run) => assert.equal(body(run).start['destinationsDatabase'], 1),
        } satisfies CliProbe,
      ]),
    ),
  };
}

/** This agent's own additions, which tbot does not have and the table therefore does not list. */
const OWN_FLAGS = new Set(['--anonymous-analytics', '--format', '--heartbeat', '--allow-empty']);
const OWN_COMMANDS = new Set([
  'tbot analytics',
  'tbot analytics status',
  'tbot analytics preview',
  'tbot analytics enable',
  'tbot analytics disable',
  'tbot start legacy',
  'tbot configure legacy',
]);
/**
 * tbot's, but not rows: groups whose subcommands have the rows, a flag refused on purpose
 * (install-systemd.test.ts), and `install systemd --pid-file`, whose row is `start --pid-file`'s.
 */
const NOT_ROWS = new Set(['tbot kube', 'tbot install', '--anonymous-telemetry', '--pid-file']);

function commandNames(defs: readonly CommandDef[], prefix: string): string[] {
  return defs.flatMap((def) => [
    `${prefix} ${def.name}`,
    ...(def.subcommands === undefined || def.name === 'configure' ? [] : commandNames(def.subcommands, `${prefix} ${def.name}`)),
  ]);
}

describe('compatibility table (docs/compatibility.md): commands, flags and env vars', { concurrency: 4 }, () => {
  let workspace: Workspace;
  let probes: Record<string, CliProbe>;
  // What `tbot wait` polls: a diagnostics service that answers ready.
  let diag: Server;
  before(async () => {
    workspace = await makeWorkspace('tbot-compat-');
    await workspace.write('sample.yaml', SAMPLE);
    await workspace.write(
      'two-outputs.yaml',
      'version: v2\nservices:\n  - {type: identity, destination: {type: directory, path: ./a}}\n  - {type: identity, destination: {type: directory, path: ./b}}\n',
    );
    diag = createServer((request, response) => response.writeHead(request.url === '/wait' ? 200 : 404).end());
    await new Promise<void>((resolve) => diag.listen(0, '127.0.0.1', resolve));
    await workspace.write('v1.yaml', 'destinations:\n  - directory: ./out\n');
    await mkdir(join(workspace.dir, 'units'));
    // A kubernetes output's files, for the exec plugin's row.
    await workspace.write('kube.yaml', `version: v2\noneshot: true\nservices: [{type: kubernetes, kubernetes_cluster: k, destination: {type: directory, path: ./kube}}]\n`);
    const kube = await runTbot(['start', '-c', 'kube.yaml'], { cwd: workspace.dir, env: cleanEnv() });
    assert.equal(kube.code, 0, kube.stderr);
    probes = cliProbes(workspace.dir, `127.0.0.1:${(diag.address() as AddressInfo).port}`);
  });
  const runs = new Map<string, Promise<RunResult>>();
  const runOnce = (probe: CliProbe): Promise<RunResult> => {
    const key = JSON.stringify([probe.args, probe.env ?? {}]);
    if (!runs.has(key)) runs.set(key, runTbot(probe.args, { cwd: workspace.dir, env: cleanEnv(probe.env), timeoutMs: 20_000 }));
    return runs.get(key) as Promise<RunResult>;
  };
  after(async () => {
    diag.closeAllConnections();
    await new Promise((resolve) => diag.close(resolve));
    await workspace.remove();
  });

  for (const row of rows.filter((candidate) => !configSections.has(candidate.section))) {
    it(`${row.name}: ${row.verdict}`, async () => {
      const probe = probes[row.name];
      assert.notEqual(probe, undefined, `no probe for the compatibility row ${row.name}`);
      const run = await runOnce(probe as CliProbe);
      if (expected(row) === 'cluster') {
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /is valid in Teleport's tbot, but this agent cannot serve it/);
      } else {
        assert.equal(run.code, 0, run.stderr);
        (probe as CliProbe).check?.(run);
      }
    });
  }

  it('every probe has a row, and every tbot flag and command of the CLI has one', () => {
    const named = new Set(rows.map((row) => row.name));
    assert.deepEqual(
      Object.keys(probes).filter((name) => !named.has(name)),
      [],
    );
    const flags = new Set(
      [...GLOBAL_FLAGS, ...TBOT_COMMANDS.flatMap((command) => [...command.flags, ...(command.subcommands ?? []).flatMap((sub) => sub.flags)])].map((flag) => `--${flag.name}`),
    );
    assert.deepEqual(
      [...flags].filter((flag) => !OWN_FLAGS.has(flag) && !NOT_ROWS.has(flag) && !named.has(flag)),
      [],
    );
    assert.deepEqual(
      commandNames(TBOT_COMMANDS, 'tbot').filter((name) => !OWN_COMMANDS.has(name) && !NOT_ROWS.has(name) && !named.has(name)),
      [],
    );
  });
});
