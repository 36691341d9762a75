/**
 * Tenant-only procedures: the transport refuses a call without a tenant certificate before the
 * service runs (Connect unauthenticated = HTTP 401, gRPC status 16), and hands the proved tenant
 * to the service otherwise: from the collector CA's certificates and from an external CA's. No
 * tenant-only service ships in this build yet, so the collector's own heartbeat service is served
 * here marked `auth: 'tenant'`, in process, with the real TLS listener and real clients.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { createIngestServer, type IngestServer } from '../../src/collector/ingest/server.js';
import type { Caller, IngestService } from '../../src/collector/ingest/service.js';
import { INGEST_SERVICES } from '../../src/collector/ingest/services/index.js';
import { CollectorMetrics } from '../../src/collector/metrics.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import { prepareServerTls } from '../../src/collector/tenants/server-tls.js';
import { addTenant, revokeTenant } from '../../src/collector/tenants/tenant-commands.js';
import { SUBMIT_HEARTBEAT_PATH } from '../../src/protocol/heartbeat-wire.js';
import { runCollector } from '../helpers/collector-process.js';
import { CELLS, call, cellName, externalCa, transport, type ClientTls } from '../helpers/rpc-clients.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const heartbeat = () => ({
  distinctId: crypto.randomUUID(),
  timestamp: new Date().toISOString(),
  heartbeat: { runMode: 'RUN_MODE_DAEMON', version: '1.2.3', joinType: 'iam', renewals: 1, outputsIdentity: 1, uptimeBucket: 'UPTIME_BUCKET_1D' },
});

async function codeOf(promise: Promise<unknown>): Promise<Code | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

for (const connectPath of ['builtin', 'connect-node'] as const) {
  describe(`tenant-only procedures over mutual TLS (Connect unary by ${connectPath})`, () => {
    let workspace: Workspace;
    let server: IngestServer;
    let store: SegmentStore;
    let url: string;
    let acme: ClientTls;
    let globex: ClientTls;
    let anonymous: ClientTls;
    let dataDir: string;
    const seen: Caller[] = [];
    before(async () => {
      workspace = await makeWorkspace('tbot-tenant-auth-');
      dataDir = join(workspace.dir, 'data');
      const now = new Date();
      await addTenant(dataDir, 'acme', join(workspace.dir, 'acme'), now);
      const external = await externalCa(workspace.dir);
      const tls = await prepareServerTls(dataDir, { source: { kind: 'own-ca', sans: [] }, clientCaFile: external.caFile }, now, (error) => {
        throw error;
      });
      const ca = await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8');
      anonymous = { ca };
      acme = { ca, cert: await readFile(join(workspace.dir, 'acme', 'acme.crt'), 'utf8'), key: await readFile(join(workspace.dir, 'acme', 'acme.key'), 'utf8') };
      globex = { ca, ...external.tls };
      const services: IngestService[] = INGEST_SERVICES.map((service) =>
        service.path !== SUBMIT_HEARTBEAT_PATH
          ? service
          : {
              ...service,
              auth: 'tenant',
              accept: (encoding, body, receivedAt, caller) => {
                seen.push(caller);
                return service.accept(encoding, body, receivedAt, caller);
              },
            },
      );
      store = new SegmentStore(dataDir);
      await store.open();
      server = createIngestServer({
        store,
        metrics: new CollectorMetrics(),
        now: () => new Date(),
        services,
        connectPath,
        tls: { certPem: tls.certPem, keyPem: tls.keyPem, tenants: tls.tenants },
        // The revocation cells keep a connection open while `tenant revoke` runs as its own
        // process, which can take longer than the default 5 s idle time on a loaded machine: the
        // server would close the idle session, and the cell would test a new connection instead.
        idleTimeoutMs: 120_000,
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      server.close();
      await store.close();
      await workspace.remove();
    });

    for (const cell of CELLS) {
      it(`${cellName(cell)}: no certificate → unauthenticated before the service runs; acme and globex get through as themselves`, async () => {
        const before = seen.length;
        assert.equal(await codeOf(call(transport(url, cell, anonymous), SUBMIT_HEARTBEAT_PATH, heartbeat())), Code.Unauthenticated);
        assert.equal(seen.length, before, 'accept never ran');
        assert.equal(await codeOf(call(transport(url, cell, acme), SUBMIT_HEARTBEAT_PATH, heartbeat())), 'ok');
        assert.equal(await codeOf(call(transport(url, cell, globex), SUBMIT_HEARTBEAT_PATH, heartbeat())), 'ok');
        assert.deepEqual(
          seen.slice(before).map((caller) => caller.tenant),
          ['acme', 'globex'],
        );
      });
    }

    it('Connect answers HTTP 401 with a Connect JSON error', async () => {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(`${url}${SUBMIT_HEARTBEAT_PATH}`, { method: 'POST', ca: anonymous.ca, headers: { 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(heartbeat()));
      });
      assert.equal(status, 401);
      assert.equal(JSON.parse(body).code, 'unauthenticated');
    });

    it('gRPC answers grpc-status 16 with a grpc-message', async () => {
      const session = http2Connect(url, { ca: anonymous.ca });
      try {
        const stream = session.request({ ':method': 'POST', ':path': SUBMIT_HEARTBEAT_PATH, 'content-type': 'application/grpc', te: 'trailers' });
        // An empty message in one uncompressed frame: the refusal comes before any decoding.
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
        const headers = await new Promise<Record<string, unknown>>((resolve) => {
          const all: Record<string, unknown> = {};
          stream.on('response', (head) => Object.assign(all, head));
          stream.on('trailers', (trailers) => Object.assign(all, trailers));
          stream.resume();
          stream.on('close', () => resolve(all));
        });
        assert.equal(headers[':status'], 200);
        assert.equal(headers['grpc-status'], '16');
        assert.match(String(headers['grpc-message']), /tenant/);
      } finally {
        session.close();
      }
    });

    it('a certificate revoked while its HTTP/2 connection stays open loses its tenant at the next call', async () => {
      const open = transport(url, { protocol: 'grpc', binary: true, http: '2' }, acme);
      assert.equal(await codeOf(call(open, SUBMIT_HEARTBEAT_PATH, heartbeat())), 'ok');
      await revokeTenant(dataDir, 'acme', new Date());
      assert.equal(await codeOf(call(open, SUBMIT_HEARTBEAT_PATH, heartbeat())), Code.Unauthenticated);
      // And a new connection with it is refused at the handshake.
      assert.notEqual(await codeOf(call(transport(url, { protocol: 'grpc', binary: true, http: '2' }, acme), SUBMIT_HEARTBEAT_PATH, heartbeat())), 'ok');
      // Re-issued under the same name, the new certificate works; the old stays refused.
      await addTenant(dataDir, 'acme', join(workspace.dir, 'acme-2'), new Date());
      const renewed = {
        ca: acme.ca,
        cert: await readFile(join(workspace.dir, 'acme-2', 'acme.crt'), 'utf8'),
        key: await readFile(join(workspace.dir, 'acme-2', 'acme.key'), 'utf8'),
      };
      assert.equal(await codeOf(call(transport(url, { protocol: 'connect', binary: false, http: '1.1' }, renewed), SUBMIT_HEARTBEAT_PATH, heartbeat())), 'ok');
    });

    it("an external CA's certificate refused with `tenant revoke --external --serial` loses its tenant on an open connection and is refused at the next handshake", async () => {
      const open = transport(url, { protocol: 'grpc', binary: true, http: '2' }, globex);
      assert.equal(await codeOf(call(open, SUBMIT_HEARTBEAT_PATH, heartbeat())), 'ok');
      // The serial as openssl prints it, which is how an operator would find it.
      const printed = execFileSync('openssl', ['x509', '-noout', '-serial', '-in', join(workspace.dir, 'globex.crt')], { encoding: 'utf8' })
        .trim()
        .replace(/^serial=/, '');
      const run = await runCollector(['tenant', 'revoke', 'globex', '--external', '--serial', printed, '--data-dir', dataDir], {}, 30_000);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^tenant globex: certificate [0-9A-F]+ from the external CA refused$/m);
      assert.equal(await codeOf(call(open, SUBMIT_HEARTBEAT_PATH, heartbeat())), Code.Unauthenticated);
      assert.notEqual(await codeOf(call(transport(url, { protocol: 'grpc', binary: true, http: '2' }, globex), SUBMIT_HEARTBEAT_PATH, heartbeat())), 'ok');
      // The collector's own tenants are untouched by it.
      const list = await runCollector(['tenant', 'list', '--data-dir', dataDir, '--format', 'json'], {}, 30_000);
      const external = (JSON.parse(list.stdout) as { name: string; issuer: string }[]).filter((entry) => entry.issuer === 'external');
      assert.deepEqual(
        external.map((entry) => entry.name),
        ['globex'],
      );
    });
  });
}
