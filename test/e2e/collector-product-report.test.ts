/**
 * `tbot-collector report product` over product events stored as the tenant-authenticated
 * transport stores them (service accept, then the store): per tenant and event, a retried copy
 * counted once, an undeclared member shown as "unknown event N", in every format.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { IngestService } from '../../src/collector/ingest/service.js';
import { teleportEventServices } from '../../src/collector/ingest/services/teleport-events.js';
import { SegmentStore } from '../../src/collector/store/segment-store.js';
import { runCollector } from '../helpers/collector-process.js';
import { anon } from '../helpers/usage-events.js';
import { makeWorkspace, type Workspace } from '../helpers/workspace.js';

const NOW = new Date();
const AT = new Date(NOW.getTime() - 3_600_000).toISOString();

describe('report product', () => {
  let workspace: Workspace;

  before(async () => {
    workspace = await makeWorkspace('tbot-product-report-');
    const [submitEvent, submitEvents] = teleportEventServices as [IngestService, IngestService];
    const store = new SegmentStore(workspace.dir);
    await store.open();
    const save = async (accepted: ReturnType<typeof submitEvent.accept>) =>
      store.appendAll(accepted.events.map((event, index) => ({ received_at: NOW.toISOString(), family: accepted.families?.[index] ?? 'discover', event })));
    const request = (member: string, event: Record<string, unknown>) => ({ clusterName: anon('prod'), timestamp: AT, [member]: event });
    const batch = Buffer.from(
      JSON.stringify({
        events: [
          request('userLogin', { userName: anon('alice'), connectorType: 'saml' }),
          request('userLogin', { userName: anon('bob'), connectorType: 'local' }),
          request('sessionStartV2', { userName: anon('alice'), sessionType: 'ssh' }),
        ],
      }),
    );
    // The same batch twice: a retry after a lost answer.
    await save(submitEvents.accept('json', batch, NOW, { tenant: 'acme' }));
    await save(submitEvents.accept('json', batch, NOW, { tenant: 'acme' }));
    await save(submitEvent.accept('json', Buffer.from(JSON.stringify(request('botJoin', { botName: anon('ci'), joinMethod: 'github' }))), NOW, { tenant: 'globex' }));
    // Without a timestamp of its own: it happened when it arrived.
    const unknown = new BinaryWriter()
      .tag(1, 2)
      .string(anon('prod'))
      .tag(97, 2)
      .bytes(new Uint8Array([8, 1]))
      .finish();
    await save(submitEvent.accept('proto', Buffer.from(unknown), NOW, { tenant: 'globex' }));
    await store.close();
  });
  after(() => workspace.remove());

  it('counts each tenant\'s events once, and names an undeclared member "unknown event N"', async () => {
    const run = await runCollector(['report', 'product', '--data-dir', workspace.dir, '--since', '1970-01-01', '--format', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.deepEqual(summary.rows, [
      { tenant: 'acme', event: 'session_start_v2', count: 1 },
      { tenant: 'acme', event: 'user_login', count: 2 },
      { tenant: 'globex', event: 'bot_join', count: 1 },
      { tenant: 'globex', event: 'unknown event 97', count: 1 },
    ]);
    assert.equal(summary.repeats, 3);
    assert.equal(summary.total, 5);
  });

  it('prints a table, CSV and HTML', async () => {
    const table = await runCollector(['report', 'product', '--data-dir', workspace.dir, '--since', '1970-01-01']);
    assert.match(table.stdout, /^globex +unknown event 97 +1$/m);
    assert.match(table.stdout, /\(3 retried copies counted once\)/);
    const csv = await runCollector(['report', 'product', '--data-dir', workspace.dir, '--since', '1970-01-01', '--format', 'csv']);
    assert.equal(csv.stdout, 'tenant,event,count\nacme,session_start_v2,1\nacme,user_login,2\nglobex,bot_join,1\nglobex,unknown event 97,1\n');
    const html = await runCollector(['report', 'product', '--data-dir', workspace.dir, '--since', '1970-01-01', '--format', 'html']);
    assert.match(html.stdout, /<td title="unknown event 97">unknown event 97<\/td>/);
  });
});
