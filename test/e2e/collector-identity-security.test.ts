/**
 * The identity-security usage reports through the built collector over mutual TLS: every wire
 * protocol and encoding a client can pick (Connect JSON and binary, gRPC, gRPC-Web; HTTP/1.1 and
 * HTTP/2), with real connect-node clients made from the protos, stores both kinds once per
 * (tenant, report_uuid); without a tenant certificate they are refused before anything is read.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { SUBMIT_USAGE_REPORTS_PATH, uuidText, type StoredUsageReport } from '../../src/protocol/usage-wire.js';
import { COLLECTOR_BUNDLE, startCollector, storedLines, type RunningCollector } from '../helpers/collector-process.js';
import { CELLS, call, cellName, transport, type ClientTls } from '../helpers/rpc-clients.js';
import { anon } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

/** The report uuid of a request's report of `kind` (its request field number). */
const uuidHex = (serial: number, kind: number): Buffer => Buffer.from(`${serial.toString(16).padStart(30, '0')}0${kind}`, 'hex');

/** A request with one report of each identity-security kind, as ProtoJSON; `serial` makes its uuids. */
function request(serial: number): unknown {
  const uuid = (kind: number) => uuidHex(serial, kind).toString('base64');
  const header = (kind: number) => ({ reportUuid: uuid(kind), clusterName: anon('prod'), reporterHostid: anon('auth-1'), startTime: new Date(Date.now() - 900_000).toISOString() });
  return {
    identitySecuritySummariesReport: [{ ...header(4), records: [{ sessionType: 'k8s', resourceName: anon('cluster-1'), totalInputTokens: '800', summariesGenerated: '1' }] }],
    identitySecurityReport: [{ ...header(5), graphSizeRecords: [{ provider: 'github', totalIdentities: '9', totalResources: '30' }], auditLogRecords: [] }],
  };
}

describe('identity-security usage reports over every protocol, with mutual TLS', () => {
  let workspace: Workspace;
  let collector: RunningCollector;
  let dataDir: string;
  let acme: ClientTls;
  before(async () => {
    workspace = await makeWorkspace('tbot-identity-security-');
    dataDir = join(workspace.dir, 'data');
    execFileSync(process.execPath, [COLLECTOR_BUNDLE, 'tenant', 'add', 'acme', '--data-dir', dataDir, '--out', join(workspace.dir, 'acme')]);
    collector = await startCollector(dataDir, ['--tls']);
    const ca = await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8');
    acme = { ca, cert: await readFile(join(workspace.dir, 'acme', 'acme.crt'), 'utf8'), key: await readFile(join(workspace.dir, 'acme', 'acme.key'), 'utf8') };
  });
  after(async () => {
    await collector.stop();
    await workspace.remove();
  });

  it('stores both kinds for the tenant through every cell, and a resubmission once', async () => {
    for (const [serial, cell] of CELLS.entries()) {
      await call(transport(collector.url, cell, acme), SUBMIT_USAGE_REPORTS_PATH, request(serial));
      await call(transport(collector.url, cell, acme), SUBMIT_USAGE_REPORTS_PATH, request(serial));
    }
    const stored = (await storedLines(dataDir)).map((line) => JSON.parse(line) as { family: string; event: StoredUsageReport });
    assert.equal(stored.length, CELLS.length * 2, 'two reports per cell, each once');
    assert.deepEqual(stored.map((line) => line.event.report_uuid).sort(), CELLS.flatMap((_, serial) => [uuidText(uuidHex(serial, 4)), uuidText(uuidHex(serial, 5))]).sort());
    assert.deepEqual([...new Set(stored.map((line) => `${line.family} ${line.event.tenant} ${line.event.kind}`))].sort(), [
      'usage acme identity_security_summaries_generated',
      'usage acme identity_security_usage',
    ]);
  });

  it('refuses them without a tenant certificate (unauthenticated) and stores nothing', async () => {
    const before = (await storedLines(dataDir)).length;
    for (const cell of CELLS) {
      const code = await call(transport(collector.url, cell, { ca: acme.ca }), SUBMIT_USAGE_REPORTS_PATH, request(999)).then(
        () => 'ok',
        (error: unknown) => ConnectError.from(error).code,
      );
      assert.equal(code, Code.Unauthenticated, cellName(cell));
    }
    assert.equal((await storedLines(dataDir)).length, before);
  });
});
