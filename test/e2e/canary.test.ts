/**
 * Privacy invariant: unique markers go into every config value, flag, env var, path and host name
 * the agent can see, and none of them may appear in any byte the receiver gets: the starts of
 * both run modes and the continuous agent's heartbeats.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver.js';
import { cleanEnv, runTbot, spawnTbot } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const MARK = (name: string): string => `zqx${name}canary`;
const MARKERS = [
  'token',
  'proxy',
  'identitydir',
  'dbdir',
  'dbservice',
  'dbname',
  'dbuser',
  'kubedir',
  'kubecluster',
  'appdir',
  'appname',
  'sshdir',
  'sshprincipal',
  'svidpath',
  'sviddir',
  'datadir',
  'home',
  'user',
  'logname',
  'hostname',
  'host',
  'cwd',
  'flagtoken',
  'flagproxy',
  'flagdest',
  'flagdata',
  'pwd',
  'shell',
  'tmpdir',
  'ci',
  // The keys issue 7 added: roles, names, cluster names, SANs, hints, audiences, readers, addresses, pins,
  // and the kinds it added (kubernetes/v2 selectors and namespaces, workload identity names and audiences).
  'roleid',
  'roledb',
  'rolekube',
  'roleapp',
  'rolessh',
  'nameid',
  'namedb',
  'namekube',
  'nameapp',
  'namessh',
  'namesvid',
  'leafcluster',
  'svidhint',
  'svidsan',
  'jwtaud',
  'jwtfile',
  'readeruser',
  'readergroup',
  'authserver',
  'capin',
  'joinuri',
  'flagauth',
  'flagpin',
  'k8sv2name',
  'k8sv2ns',
  'k8sv2dir',
  'wix509',
  'wix509dir',
  'wijwt',
  'wiaud',
  'wijwtdir',
  'namek8sv2',
  'namewi',
].map(MARK);

describe('canary: nothing identifying reaches the wire', () => {
  let receiver: Receiver;
  let workspace: Workspace;
  before(async () => {
    receiver = await startReceiver('ok');
    workspace = await makeWorkspace(`tbot-${MARK('tmpdir')}-`);
  });
  after(async () => {
    await receiver.close();
    await workspace.remove();
  });

  it('no marker appears in the request line, headers or body, in either run mode', async () => {
    const cwd = join(workspace.dir, MARK('cwd'));
    await mkdir(cwd);
    const configPath = await workspace.write(
      `${MARK('configfile')}.yaml`,
      `version: v2
proxy_server: ${MARK('proxy')}.example.com:443
auth_server: ${MARK('authserver')}.example.com:3025
onboarding:
  join_method: github
  token: ${MARK('token')}
  ca_pins: [sha256:${MARK('capin')}]
storage:
  type: directory
  path: ./${MARK('datadir')}
anonymous_analytics: true
diag_addr: 127.0.0.1:0
outputs:
  - type: identity
    name: ${MARK('nameid')}
    roles: [${MARK('roleid')}]
    cluster: ${MARK('leafcluster')}.example.com
    destination: {type: directory, path: ./${MARK('identitydir')}}
  - type: database
    name: ${MARK('namedb')}
    roles: [${MARK('roledb')}]
    service: ${MARK('dbservice')}
    database: ${MARK('dbname')}
    username: ${MARK('dbuser')}
    format: tls
    destination: {type: directory, path: ./${MARK('dbdir')}}
  - type: kubernetes
    name: ${MARK('namekube')}
    roles: [${MARK('rolekube')}]
    kubernetes_cluster: ${MARK('kubecluster')}
    destination: {type: directory, path: ./${MARK('kubedir')}}
  - type: application
    name: ${MARK('nameapp')}
    roles: [${MARK('roleapp')}]
    app_name: ${MARK('appname')}
    destination: {type: directory, path: ./${MARK('appdir')}}
  - type: ssh_host
    name: ${MARK('namessh')}
    roles: [${MARK('rolessh')}]
    principals: [${MARK('sshprincipal')}.example.com]
    destination: {type: directory, path: ./${MARK('sshdir')}, acls: off, readers: [{user: ${MARK('readeruser')}}, {group: ${MARK('readergroup')}}]}
  - type: spiffe-svid
    name: ${MARK('namesvid')}
    svid: {path: /${MARK('svidpath')}, hint: ${MARK('svidhint')}, sans: {dns: [${MARK('svidsan')}.example.com], ip: [10.77.66.55]}}
    jwts: [{audience: ${MARK('jwtaud')}, file_name: ${MARK('jwtfile')}}]
    destination: {type: directory, path: ./${MARK('sviddir')}}
  - type: kubernetes/v2
    name: ${MARK('namek8sv2')}
    selectors: [{name: ${MARK('k8sv2name')}, default_namespace: ${MARK('k8sv2ns')}}]
    destination: {type: directory, path: ./${MARK('k8sv2dir')}}
  - type: workload-identity-x509
    name: ${MARK('namewi')}
    selector: {name: ${MARK('wix509')}}
    destination: {type: directory, path: ./${MARK('wix509dir')}}
  - type: workload-identity-jwt
    selector: {name: ${MARK('wijwt')}}
    audiences: [${MARK('wiaud')}]
    destination: {type: directory, path: ./${MARK('wijwtdir')}}
`,
    );
    const env = cleanEnv({
      TBOT_ANALYTICS_ENDPOINT: receiver.url,
      HOME: `/home/${MARK('home')}`,
      USER: MARK('user'),
      LOGNAME: MARK('logname'),
      HOSTNAME: MARK('hostname'),
      HOST: MARK('host'),
      PWD: join(cwd, MARK('pwd')),
      SHELL: `/bin/${MARK('shell')}`,
      TMPDIR: join(workspace.dir),
      CI_PROJECT_PATH: MARK('ci'),
      GITHUB_REPOSITORY: MARK('ci'),
      // A helper value that carries a host name must be dropped, not sent.
      _TBOT_TELEMETRY_HELPER: `${MARK('helper')}.corp.example.com`,
      _TBOT_TELEMETRY_HELPER_VERSION: '1.2.0',
      // Test-only: the continuous run sends its daily heartbeat every 200 ms instead.
      TBOT_TEST_HEARTBEAT_INTERVAL_MS: '200',
    });
    const flags = [
      '--token',
      MARK('flagtoken'),
      '--proxy-server',
      `${MARK('flagproxy')}:443`,
      '-a',
      `${MARK('flagauth')}:3025`,
      '--ca-pin',
      `sha256:${MARK('flagpin')}`,
      '--data-dir',
      `./${MARK('flagdata')}`,
    ];
    const oneShot = await runTbot(['start', '-c', configPath, '--oneshot', ...flags], { env, cwd });
    assert.equal(oneShot.code, 0, oneShot.stderr);
    // --destination-dir replaces the file's outputs, so it gets a run of its own.
    const replaced = await runTbot(['start', '-c', configPath, '--oneshot', ...flags, '--destination-dir', `./${MARK('flagdest')}`], { env, cwd });
    assert.equal(replaced.code, 0, replaced.stderr);
    const continuous = spawnTbot(['start', '-c', configPath, '--renewal-interval', '1s', ...flags], { env, cwd });
    // The two one-shot starts, the continuous start, and two heartbeats.
    await receiver.waitForRequests(5);
    await continuous.waitForStderr(/renewal cycle complete/);
    continuous.child.kill('SIGTERM');
    assert.equal((await continuous.result).code, 0);
    const wire = receiver.bytes().toString('latin1');
    assert.ok(wire.includes('SubmitTbotEvent'), 'the receiver saw the requests (positive control)');
    assert.ok(wire.includes('SubmitHeartbeat'), 'the receiver saw heartbeats (positive control)');
    const leaked = [...MARKERS, MARK('helper'), MARK('configfile'), '10.77.66.55'].filter((marker) => wire.includes(marker));
    assert.deepEqual(leaked, []);
    // The machine's real host name cannot be set to a marker here, but it must not appear either.
    if (hostname().length >= 6) assert.ok(!wire.includes(hostname()), 'the machine host name reached the wire');
    // The markers did reach the agent: the directories named by them exist.
    for (const dir of ['identitydir', 'k8sv2dir', 'wix509dir', 'wijwtdir']) assert.ok(existsSync(join(cwd, MARK(dir), 'tbot-status.json')), dir);
    assert.ok(existsSync(join(cwd, MARK('flagdest'), 'tbot-status.json')));
  });

  it('nor does a diag_addr host name or an env-supplied address: the preview is the exact request', async () => {
    // `analytics preview` never listens, so diag_addr can carry a host name that `start` could not bind.
    const configPath = await workspace.write(
      `${MARK('previewfile')}.yaml`,
      `version: v2
diag_addr: ${MARK('diaghost')}:3000
anonymous_analytics: true
services:
  - type: kubernetes/v2
    selectors: [{name: k}]
    destination: {type: memory}
`,
    );
    const env = cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url, TELEPORT_AUTH_SERVER: `${MARK('envauth')}:3025` });
    const preview = await runTbot(['analytics', 'preview', '--format', 'json', '-c', configPath], { env, cwd: workspace.dir });
    assert.equal(preview.code, 0, preview.stderr);
    assert.equal(JSON.parse(preview.stdout).body.start.destinationsKubernetes, 1, 'the config was read (positive control)');
    const leaked = [MARK('diaghost'), MARK('envauth'), MARK('previewfile')].filter((marker) => preview.stdout.includes(marker));
    assert.deepEqual(leaked, []);
  });

  it('nor does a join URI’s token, parameter or address (tbot refuses a join_uri beside proxy_server or a token, so it has a config of its own)', async () => {
    const configPath = await workspace.write(
      `${MARK('joinurifile')}.yaml`,
      `version: v2
join_uri: tbot+proxy+bound-keypair://${MARK('joinuritoken')}:${MARK('joinuriparam')}@${MARK('joinuri')}.example.com:443
anonymous_analytics: true
services:
  - type: identity
    destination: {type: memory}
`,
    );
    const preview = await runTbot(['analytics', 'preview', '--format', 'json', '-c', configPath], { env: cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url }), cwd: workspace.dir });
    assert.equal(preview.code, 0, preview.stderr);
    assert.equal(JSON.parse(preview.stdout).body.start.joinType, 'bound_keypair', 'the URI was read (positive control)');
    const leaked = [MARK('joinuritoken'), MARK('joinuriparam'), MARK('joinuri'), MARK('joinurifile')].filter((marker) => preview.stdout.includes(marker));
    assert.deepEqual(leaked, []);
  });
});
