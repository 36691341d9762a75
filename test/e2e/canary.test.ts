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
const MARKERS = ['token', 'proxy', 'identitydir', 'dbdir', 'dbservice', 'dbname', 'dbuser', 'kubedir', 'kubecluster', 'appdir', 'appname', 'sshdir', 'sshprincipal', 'svidpath', 'sviddir', 'datadir', 'home', 'user', 'logname', 'hostname', 'host', 'cwd', 'flagtoken', 'flagproxy', 'flagdest', 'flagdata', 'pwd', 'shell', 'tmpdir', 'ci'].map(MARK);

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
onboarding:
  join_method: github
  token: ${MARK('token')}
storage:
  type: directory
  path: ./${MARK('datadir')}
anonymous_analytics: true
outputs:
  - type: identity
    destination: {type: directory, path: ./${MARK('identitydir')}}
  - type: database
    service: ${MARK('dbservice')}
    database: ${MARK('dbname')}
    username: ${MARK('dbuser')}
    destination: {type: directory, path: ./${MARK('dbdir')}}
  - type: kubernetes
    kubernetes_cluster: ${MARK('kubecluster')}
    destination: {type: directory, path: ./${MARK('kubedir')}}
  - type: application
    app_name: ${MARK('appname')}
    destination: {type: directory, path: ./${MARK('appdir')}}
  - type: ssh_host
    principals: [${MARK('sshprincipal')}.example.com]
    destination: {type: directory, path: ./${MARK('sshdir')}}
  - type: spiffe-svid
    svid: {path: /${MARK('svidpath')}}
    destination: {type: directory, path: ./${MARK('sviddir')}}
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
    const flags = ['--token', MARK('flagtoken'), '--proxy-server', `${MARK('flagproxy')}:443`, '--destination-dir', `./${MARK('flagdest')}`, '--data-dir', `./${MARK('flagdata')}`];
    const oneShot = await runTbot(['start', '-c', configPath, '--oneshot', ...flags], { env, cwd });
    assert.equal(oneShot.code, 0, oneShot.stderr);
    const continuous = spawnTbot(['start', '-c', configPath, '--renewal-interval', '1s', ...flags], { env, cwd });
    // The one-shot start, the continuous start, and two heartbeats.
    await receiver.waitForRequests(4);
    await continuous.waitForStderr(/renewal cycle complete/);
    continuous.child.kill('SIGTERM');
    assert.equal((await continuous.result).code, 0);
    const wire = receiver.bytes().toString('latin1');
    assert.ok(wire.includes('SubmitTbotEvent'), 'the receiver saw the requests (positive control)');
    assert.ok(wire.includes('SubmitHeartbeat'), 'the receiver saw heartbeats (positive control)');
    const leaked = [...MARKERS, MARK('helper'), MARK('configfile')].filter((marker) => wire.includes(marker));
    assert.deepEqual(leaked, []);
    // The machine's real host name cannot be set to a marker here, but it must not appear either.
    if (hostname().length >= 6) assert.ok(!wire.includes(hostname()), 'the machine host name reached the wire');
    // The markers did reach the agent: the directories named by them exist.
    assert.ok(existsSync(join(cwd, MARK('identitydir'), 'tbot-status.json')));
    assert.ok(existsSync(join(cwd, MARK('flagdest'), 'tbot-status.json')));
  });
});
