/**
 * Fire-and-forget: whatever the endpoint does, the agent's exit code and stdout equal those of an
 * analytics-off run, and a one-shot run ends within the 1 s grace period. The time is read where a
 * busy machine cannot blur it: the agent's own log clock from the end of its work to its last line,
 * then the test's clock from that line to the exit. The process's start-up, which three test files
 * and the type checker on two cores stretch by seconds, is in neither.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { refusedUrl, startReceiver, type Behaviour, type Receiver } from '../helpers/receiver.js';
import { cleanEnv, CONFIG_DIR, runTbot, type RunResult } from '../helpers/tbot-process.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const GRACE_MS = 1_000;
/** Scheduling noise on a loaded 2-core machine; far below ky's 10 s send cap, which a leak would show. */
const SLACK_MS = 2_000;
/** A log line's own time (the agent writes RFC 3339 with milliseconds first). */
const logTime = (line: string): number => Date.parse(line.slice(0, 24));

/** On the agent's clock: from its last renewal (its work done) to its last log line. */
function waitedAfterWorkMs(stderr: string): number {
  const lines = stderr.split('\n').filter((line) => !Number.isNaN(logTime(line)));
  const workDone = lines.filter((line) => line.includes('renewal cycle complete')).at(-1);
  assert.ok(workDone !== undefined && lines.length > 0, stderr);
  return logTime(lines.at(-1)!) - logTime(workDone);
}

describe('analytics faults never change the agent run', () => {
  let workspace: Workspace;
  let baseline: RunResult;
  const args = (extra: string[] = []) => ['start', '--oneshot', '--debug', '-c', join(CONFIG_DIR, 'host-continuous.yaml'), ...extra];

  before(async () => {
    workspace = await makeWorkspace();
    baseline = await runTbot(args(['--no-anonymous-analytics']), { cwd: workspace.dir });
    assert.equal(baseline.code, 0, baseline.stderr);
  });
  after(() => workspace.remove());

  async function runAgainst(endpoint: string): Promise<RunResult> {
    return runTbot(args(['--anonymous-analytics']), { cwd: workspace.dir, env: cleanEnv({ TBOT_ANALYTICS_ENDPOINT: endpoint }) });
  }

  function assertSameAsBaseline(run: RunResult): void {
    assert.equal(run.code, baseline.code, run.stderr);
    assert.equal(run.stdout, baseline.stdout);
    const waited = waitedAfterWorkMs(run.stderr);
    assert.ok(waited < GRACE_MS + SLACK_MS, `waited ${waited} ms after its work; analytics off ${waitedAfterWorkMs(baseline.stderr)} ms`);
    assert.ok(run.exitedAfterOutputMs < SLACK_MS, `exited ${Math.round(run.exitedAfterOutputMs)} ms after its last line`);
  }

  const receiverFaults: { behaviour: Behaviour; log: RegExp }[] = [
    { behaviour: 'blackhole', log: /abandoned: not finished within the 1000 ms one-shot grace period/ },
    { behaviour: 'slow', log: /abandoned: not finished within the 1000 ms one-shot grace period/ },
    { behaviour: 'status-500', log: /not delivered reason=http-status detail="HTTP 500"/ },
    { behaviour: 'status-429', log: /not delivered reason=http-status detail="HTTP 429"/ },
    { behaviour: 'redirect', log: /not delivered reason=network/ },
    { behaviour: 'huge', log: /not delivered reason=malformed-response detail="response larger than 65536 bytes"/ },
    { behaviour: 'malformed', log: /not delivered reason=malformed-response detail="response is not a JSON object"/ },
  ];
  for (const fault of receiverFaults) {
    it(`endpoint ${fault.behaviour}`, async () => {
      const receiver: Receiver = await startReceiver(fault.behaviour);
      try {
        const run = await runAgainst(receiver.url);
        assertSameAsBaseline(run);
        assert.match(run.stderr, fault.log);
        // Exactly one attempt: no retries, and a redirect is not followed.
        assert.equal(receiver.bytes().toString('latin1').split('POST /').length - 1, 1);
        assert.ok(receiver.requests.length <= 1);
      } finally {
        await receiver.close();
      }
    });
  }

  it('endpoint refuses the connection', async () => {
    const run = await runAgainst(await refusedUrl());
    assertSameAsBaseline(run);
    assert.match(run.stderr, /not delivered reason=network detail=ECONNREFUSED/);
  });

  it('DNS name that does not resolve', async () => {
    const run = await runAgainst('http://tbot-analytics.invalid');
    assertSameAsBaseline(run);
    assert.match(run.stderr, /not delivered reason=network/);
  });

  for (const endpoint of ['ftp://127.0.0.1/x', 'http://user:pw@127.0.0.1:9', 'http://127.0.0.1:9/?who=me', 'not a url']) {
    it(`invalid endpoint URL ${endpoint}`, async () => {
      const run = await runAgainst(endpoint);
      assertSameAsBaseline(run);
      assert.match(run.stderr, /WARN .*anonymous analytics not sent: analytics endpoint from TBOT_ANALYTICS_ENDPOINT rejected/);
    });
  }

  describe('HTTPS', () => {
    let certDir: Workspace;
    let server: Server;
    let url: string;
    before(async () => {
      certDir = await makeWorkspace('tbot-tls-');
      const key = join(certDir.dir, 'key.pem');
      const cert = join(certDir.dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await certDir.remove();
    });

    it('an untrusted certificate (TLS failure) changes nothing', async () => {
      const run = await runAgainst(url);
      assertSameAsBaseline(run);
      assert.match(run.stderr, /not delivered reason=network detail=DEPTH_ZERO_SELF_SIGNED_CERT/);
    });

    it('a trusted certificate delivers over HTTPS', async () => {
      const run = await runTbot(args(['--anonymous-analytics']), {
        cwd: workspace.dir,
        env: cleanEnv({ TBOT_ANALYTICS_ENDPOINT: url, NODE_EXTRA_CA_CERTS: join(certDir.dir, 'cert.pem') }),
      });
      assertSameAsBaseline(run);
      assert.match(run.stderr, /anonymous analytics sent status=200/);
    });
  });

  it('a healthy endpoint: delivered, and the same exit code and stdout', async () => {
    const receiver = await startReceiver('ok');
    try {
      const run = await runAgainst(receiver.url);
      assertSameAsBaseline(run);
      assert.match(run.stderr, /anonymous analytics sent status=200/);
    } finally {
      await receiver.close();
    }
  });
});
