/**
 * Privacy invariant for the output options: roles, cluster names, SANs, audiences, JWT file names,
 * selectors, namespaces, output names and hints carry markers, and none may reach the wire.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startReceiver } from '../helpers/receiver.js';
import { cleanEnv, runTbot } from '../helpers/tbot-process.js';
import { makeWorkspace } from '../helpers/workspace.js';

const MARK = (name: string): string => `zqx${name}canary`;
const MARKERS = ['role', 'cluster', 'outname', 'dnssan', 'audience', 'jwtfile', 'hint', 'winame', 'wiaudience', 'kubename', 'kubens', 'dbservice', 'appname', 'leaf'].map(MARK);

describe('canary: output options never reach the wire', () => {
  it('no marker in any byte of the start event', async (t) => {
    const receiver = await startReceiver('ok');
    const workspace = await makeWorkspace();
    t.after(() => Promise.all([receiver.close(), workspace.remove()]));
    await workspace.write(
      'tbot.yaml',
      `version: v2
storage: {type: directory, path: ./data}
oneshot: true
anonymous_analytics: true
diag_addr: 127.0.0.1:0
outputs:
  - type: identity
    name: ${MARK('outname')}
    roles: [${MARK('role')}]
    cluster: ${MARK('leaf')}.${MARK('cluster')}
    credential_ttl: 30m
    renewal_interval: 5m
    destination: {type: directory, path: ./out/identity}
  - type: database
    service: ${MARK('dbservice')}
    format: cockroach
    roles: [${MARK('role')}]
    destination: {type: directory, path: ./out/db}
  - type: application
    app_name: ${MARK('appname')}
    specific_tls_naming: true
    destination: {type: directory, path: ./out/app}
  - type: spiffe-svid
    svid:
      path: /svc
      hint: ${MARK('hint')}
      sans: {dns: [${MARK('dnssan')}.example.test], ip: [10.9.8.7]}
    jwts: [{audience: ${MARK('audience')}, file_name: ${MARK('jwtfile')}}]
    destination: {type: directory, path: ./out/svid}
  - type: workload-identity-jwt
    selector: {name: ${MARK('winame')}}
    audiences: [${MARK('wiaudience')}]
    destination: {type: directory, path: ./out/wi}
  - type: kubernetes/v2
    selectors: [{name: ${MARK('kubename')}, default_namespace: ${MARK('kubens')}}]
    destination: {type: directory, path: ./out/kube}
`,
    );
    const run = await runTbot(['start', '-c', 'tbot.yaml'], { cwd: workspace.dir, env: cleanEnv({ TBOT_ANALYTICS_ENDPOINT: receiver.url }) });
    assert.equal(run.code, 0, run.stderr);
    await receiver.waitForRequests(1);
    const wire = receiver.bytes().toString('latin1');
    assert.ok(wire.includes('SubmitTbotEvent'), 'the receiver saw the request (positive control)');
    assert.deepEqual(
      MARKERS.filter((marker) => wire.includes(marker)),
      [],
    );
    // The markers did reach the agent: the files named by them exist.
    assert.ok(existsSync(join(workspace.dir, 'out', 'svid', MARK('jwtfile'))));
    assert.match(run.stderr, new RegExp(`renewal cycle complete output=${MARK('outname')}`));
  });
});
