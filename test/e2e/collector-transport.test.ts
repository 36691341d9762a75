/**
 * The conformance matrix of the collector's serving layer: every registered client service, through
 * Connect (JSON and binary), gRPC and gRPC-Web, over HTTP/1.1 and HTTP/2 (h2c plain, ALPN h2 with
 * TLS), against the built collector, with Connect unary answered by either implementation
 * (builtin and connect-node). Errors keep each protocol's form: the clients read the code back.
 * Then TLS itself: the collector CA's certificates checked by openssl, tenants by client
 * certificate, revocation without a restart, and an external client CA.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { SUBMIT_CONNECT_EVENT_PATH } from '../../src/protocol/connect-wire.js';
import { SUBMIT_EVENT_PATH, SUBMIT_EVENTS_PATH } from '../../src/protocol/discover-wire.js';
import { SUBMIT_HEARTBEAT_PATH } from '../../src/protocol/heartbeat-wire.js';
import { SUBMIT_TBOT_EVENT_PATH, SUBMIT_TBOT_EVENTS_PATH } from '../../src/protocol/tbot-wire.js';
import { COLLECTOR_BUNDLE, heartbeatEvent, startCollector, storedRecords, tbotEvent, type RunningCollector } from '../helpers/collector-process.js';
import { CELLS, call, cellName, externalCa, transport, type Cell, type ClientTls } from '../helpers/rpc-clients.js';
import { tool } from '../helpers/tools.js';
import { CONNECT_PREHOG, connectRequest, discoverRequest, discoverStep } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const heartbeat = (distinctId: string) => heartbeatEvent({}, { distinctId });

/** One valid request per client procedure; `mark` is a unique id that finds the stored event again. */
const PROCEDURES: readonly { path: string; request: (mark: string) => Record<string, unknown>; find: (event: Record<string, unknown>, mark: string) => boolean }[] = [
  { path: SUBMIT_TBOT_EVENT_PATH, request: (mark) => tbotEvent({}, { distinctId: mark }), find: (event, mark) => event['distinctId'] === mark },
  { path: SUBMIT_TBOT_EVENTS_PATH, request: (mark) => ({ events: [tbotEvent({}, { distinctId: mark }), tbotEvent()] }), find: (event, mark) => event['distinctId'] === mark },
  { path: SUBMIT_HEARTBEAT_PATH, request: heartbeat, find: (event, mark) => event['distinctId'] === mark },
  { path: SUBMIT_CONNECT_EVENT_PATH, request: (mark) => connectRequest(CONNECT_PREHOG[0]!, mark), find: (event, mark) => event['distinctId'] === mark },
  {
    path: SUBMIT_EVENT_PATH,
    request: (mark) => discoverRequest(discoverStep('tp.ui.discover.started'), { runId: mark }),
    find: (event, mark) => JSON.stringify(event).includes(mark),
  },
  {
    path: SUBMIT_EVENTS_PATH,
    request: (mark) => ({ events: [discoverRequest(discoverStep('tp.ui.discover.started'), { runId: mark })] }),
    find: (event, mark) => JSON.stringify(event).includes(mark),
  },
];

async function storedEvents(dataDir: string): Promise<Record<string, unknown>[]> {
  return (await storedRecords(dataDir)).map((record) => (record as { event: Record<string, unknown> }).event);
}

async function codeOf(promise: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

function collectorCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [COLLECTOR_BUNDLE, ...args], (error, stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr }));
  });
}

for (const connectPath of ['builtin', 'connect-node'] as const) {
  for (const scheme of ['http', 'https'] as const) {
    describe(`collector serving, ${scheme}, Connect unary by ${connectPath}`, () => {
      let workspace: Workspace;
      let collector: RunningCollector;
      let dataDir: string;
      let tls: ClientTls | undefined;
      before(async () => {
        workspace = await makeWorkspace('tbot-transport-');
        dataDir = join(workspace.dir, 'data');
        collector = await startCollector(dataDir, scheme === 'https' ? ['--tls'] : [], { TBOT_COLLECTOR_CONNECT_PATH: connectPath });
        if (scheme === 'https') tls = { ca: await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8') };
        assert.ok(collector.url.startsWith(`${scheme}://`), collector.url);
      });
      after(async () => {
        await collector.stop();
        await workspace.remove();
      });

      for (const cell of CELLS) {
        it(`${cellName(cell)}: every client procedure stores its events`, async () => {
          const marks = PROCEDURES.map(() => crypto.randomUUID());
          const client = transport(collector.url, cell, tls);
          for (const [index, procedure] of PROCEDURES.entries()) await call(client, procedure.path, procedure.request(marks[index]!));
          const events = await storedEvents(dataDir);
          for (const [index, procedure] of PROCEDURES.entries())
            assert.ok(
              events.some((event) => procedure.find(event, marks[index]!)),
              `${procedure.path} stored`,
            );
        });

        it(`${cellName(cell)}: a refused request answers in the protocol's own error form`, async () => {
          const client = transport(collector.url, cell, tls);
          const before = (await storedEvents(dataDir)).length;
          // A tbot.start event whose version is no version: invalid_argument on every protocol.
          assert.equal(await codeOf(call(client, SUBMIT_TBOT_EVENT_PATH, tbotEvent({ version: 'not a version at all' }))), Code.InvalidArgument);
          assert.equal((await storedEvents(dataDir)).length, before);
        });

        // Over HTTP/1.1 the answer leaves while the client is still uploading; the collector closes
        // in stages so the client reads it (collector-gentle-close.test.ts shows the steps).
        it(`${cellName(cell)}: a body over the procedure's limit is resource_exhausted`, async () => {
          const client = transport(collector.url, cell, tls);
          // SubmitTbotEvent takes 64 KiB; this event is about 70 KB in any encoding.
          assert.equal(await codeOf(call(client, SUBMIT_TBOT_EVENT_PATH, tbotEvent({ helper: 'x'.repeat(70_000) }))), Code.ResourceExhausted);
        });
      }

      it('/healthz and /metrics are still served', async () => {
        const text = tool('curl', ['-sS', ...(tls === undefined ? [] : ['--cacert', join(dataDir, 'tls', 'ca.crt')]), `${collector.url}/healthz`]);
        assert.equal(text, 'ok\n');
        const metrics = tool('curl', ['-sS', ...(tls === undefined ? [] : ['--cacert', join(dataDir, 'tls', 'ca.crt')]), `${collector.url}/metrics`]);
        assert.match(metrics, /^tbot_collector_events_accepted_total [1-9]\d*$/m);
      });
    });
  }
}

describe('collector TLS: the collector CA, tenants, revocation, an external CA', () => {
  let workspace: Workspace;
  let collector: RunningCollector;
  let dataDir: string;
  let caPem: string;
  let acme: ClientTls;
  let globex: ClientTls;
  const h2: Cell = { protocol: 'connect', binary: true, http: '2' };
  const h1: Cell = { protocol: 'connect', binary: false, http: '1.1' };
  before(async () => {
    workspace = await makeWorkspace('tbot-tenants-');
    dataDir = join(workspace.dir, 'data');
    const added = await collectorCli(['tenant', 'add', 'acme', '--data-dir', dataDir, '--out', join(workspace.dir, 'acme')]);
    assert.equal(added.code, 0, added.stderr);
    const external = await externalCa(workspace.dir);
    collector = await startCollector(dataDir, ['--tls', '--tls-san', 'collector.example.test', '--client-ca', external.caFile]);
    caPem = await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8');
    acme = { ca: caPem, cert: await readFile(join(workspace.dir, 'acme', 'acme.crt'), 'utf8'), key: await readFile(join(workspace.dir, 'acme', 'acme.key'), 'utf8') };
    globex = { ca: caPem, ...external.tls };
  });
  after(async () => {
    await collector.stop();
    await workspace.remove();
  });

  it('tenant add writes the certificate, a 0600 key and the CA, and openssl verifies the chain', async () => {
    const { stat } = await import('node:fs/promises');
    const dir = join(workspace.dir, 'acme');
    assert.equal((await stat(join(dir, 'acme.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'tls', 'ca.key'))).mode & 0o777, 0o600);
    assert.equal(tool('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), '-purpose', 'sslclient', join(dir, 'acme.crt')]).trim(), `${join(dir, 'acme.crt')}: OK`);
    assert.match(tool('openssl', ['x509', '-noout', '-subject', '-in', join(dir, 'acme.crt')]), /^subject=CN ?= ?acme$/m);
    const listed = await collectorCli(['tenant', 'list', '--data-dir', dataDir]);
    assert.match(listed.stdout, /^acme\s+\d{4}-\d\d-\d\dT\S+Z\s+valid\s+[0-9A-F]+$/m);
  });

  it('openssl s_client negotiates h2 by ALPN and verifies the server certificate for each of its names', () => {
    const port = new URL(collector.url).port;
    for (const [alpn, expected] of [
      ['h2', 'h2'],
      ['http/1.1', 'http/1.1'],
    ] as const) {
      const out = tool(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${port}`, '-alpn', alpn, '-CAfile', join(dataDir, 'tls', 'ca.crt'), '-verify_ip', '127.0.0.1', '-verify_return_error'],
        '',
      );
      assert.match(out, new RegExp(`ALPN protocol: ${expected.replace('/', '\\/')}`));
      assert.match(out, /Verify return code: 0 \(ok\)/);
    }
    const named = tool(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        'collector.example.test',
        '-verify_hostname',
        'collector.example.test',
        '-CAfile',
        join(dataDir, 'tls', 'ca.crt'),
        '-verify_return_error',
      ],
      '',
    );
    assert.match(named, /Verify return code: 0 \(ok\)/);
  });

  it('the client services stay open over TLS with and without a client certificate', async () => {
    for (const identity of [{ ca: caPem }, acme, globex])
      for (const cell of [h1, h2]) assert.equal(await codeOf(call(transport(collector.url, cell, identity), SUBMIT_TBOT_EVENT_PATH, tbotEvent())), 'ok');
  });

  it('a certificate from an unknown CA is refused at the handshake', async () => {
    const stranger = join(workspace.dir, 'stranger');
    const added = await collectorCli(['tenant', 'add', 'acme', '--data-dir', join(workspace.dir, 'other-data'), '--out', stranger]);
    assert.equal(added.code, 0, added.stderr);
    const identity = { ca: caPem, cert: await readFile(join(stranger, 'acme.crt'), 'utf8'), key: await readFile(join(stranger, 'acme.key'), 'utf8') };
    for (const cell of [h1, h2]) assert.notEqual(await codeOf(call(transport(collector.url, cell, identity), SUBMIT_TBOT_EVENT_PATH, tbotEvent())), 'ok');
  });

  it('tenant revoke: the next handshake with that certificate fails, without a restart', async () => {
    assert.equal(await codeOf(call(transport(collector.url, h2, acme), SUBMIT_TBOT_EVENT_PATH, tbotEvent())), 'ok');
    const revoked = await collectorCli(['tenant', 'revoke', 'acme', '--data-dir', dataDir]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const before = (await storedEvents(dataDir)).length;
    for (const cell of [h1, h2]) assert.notEqual(await codeOf(call(transport(collector.url, cell, acme), SUBMIT_TBOT_EVENT_PATH, tbotEvent())), 'ok', cellName(cell));
    assert.equal((await storedEvents(dataDir)).length, before);
    // Anyone else is unaffected, and the refusals are counted.
    assert.equal(await codeOf(call(transport(collector.url, h2, globex), SUBMIT_TBOT_EVENT_PATH, tbotEvent())), 'ok');
    const metrics = tool('curl', ['-sS', '--cacert', join(dataDir, 'tls', 'ca.crt'), `${collector.url}/metrics`]);
    assert.match(metrics, /^tbot_collector_tls_client_certificates_refused_total [2-9]\d*$/m);
    const listed = await collectorCli(['tenant', 'list', '--data-dir', dataDir]);
    assert.match(listed.stdout, /^acme\s+\S+\s+revoked \d{4}-/m);
  });
});

describe('collector TLS with a certificate of your own', () => {
  let workspace: Workspace;
  let collector: RunningCollector;
  let caPem: string;
  before(async () => {
    workspace = await makeWorkspace('tbot-own-cert-');
    const path = (name: string) => join(workspace.dir, name);
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    tool('openssl', ['req', '-x509', ...ec, '-keyout', path('my-ca.key'), '-out', path('my-ca.crt'), '-subj', '/CN=my CA', '-days', '2']);
    tool('openssl', ['req', ...ec, '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=localhost']);
    await writeFile(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    tool('openssl', [
      'x509',
      '-req',
      '-in',
      path('server.csr'),
      '-CA',
      path('my-ca.crt'),
      '-CAkey',
      path('my-ca.key'),
      '-CAcreateserial',
      '-out',
      path('server.crt'),
      '-days',
      '2',
      '-extfile',
      path('server.ext'),
    ]);
    caPem = await readFile(path('my-ca.crt'), 'utf8');
    collector = await startCollector(path('data'), ['--tls-cert', path('server.crt'), '--tls-key', path('server.key')]);
  });
  after(async () => {
    await collector.stop();
    await workspace.remove();
  });

  it('serves HTTPS with it: clients that trust your CA get through on every protocol', async () => {
    assert.ok(collector.url.startsWith('https://'));
    for (const cell of CELLS) assert.equal(await codeOf(call(transport(collector.url, cell, { ca: caPem }), SUBMIT_TBOT_EVENT_PATH, tbotEvent())), 'ok', cellName(cell));
  });

  it('refuses flags that do not fit together, before anything starts', async () => {
    for (const [args, message] of [
      [['--tls-san', 'collector.example.com'], /--tls-san needs --tls/],
      [['--tls', '--tls-san', 'not a name'], /--tls-san "not a name": expected a DNS name/],
      [['--tls-cert', join(workspace.dir, 'server.crt')], /--tls-cert and --tls-key go together/],
      [['--tls-cert', join(workspace.dir, 'server.crt'), '--tls-key', join(workspace.dir, 'my-ca.key')], /is not the key of/],
    ] as const) {
      const result = await collectorCli(['serve', '--listen', '127.0.0.1:0', '--data-dir', join(workspace.dir, 'refused'), ...args]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
    }
  });
});
