import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CredentialSource } from '../../src/ca/credential-source.js';
import { openLocalCa } from '../../src/ca/local-ca.js';
import { RenewalError } from '../../src/errors.js';
import { MemoryDestination } from '../../src/outputs/destination.js';
import { OutputRenewer, RECENT_RENEWALS, sharedSource, type StatusRecord } from '../../src/outputs/output-renewer.js';
import { MEMORY, output } from '../helpers/bot-config.js';

const signal = new AbortController().signal;

async function memoryCa(): Promise<CredentialSource> {
  return (await openLocalCa(MEMORY, new Date())).ca;
}

describe("one output's renewal", () => {
  it('records its schedule and its recent renewals in tbot-status.json', async () => {
    const ca = await memoryCa();
    const destination = new MemoryDestination();
    const renewer = new OutputRenewer(
      output(
        { type: 'workload-identity-x509', selector: { name: 'svc' }, includeFederatedTrustBundles: false },
        { name: 'wi', lifetime: { credentialTtlMs: 90_000, renewalIntervalMs: 30_000 } },
      ),
      { agentVersion: 't', source: async () => ca, newId: () => 'id' },
      destination,
    );
    const times = Array.from({ length: RECENT_RENEWALS + 2 }, (_, index) => new Date(Date.UTC(2030, 0, 1, 0, 0, index * 30)));
    for (const now of times) assert.deepEqual(await renewer.renew({ now, signal }), { expiresAt: new Date(now.getTime() + 90_000) });
    const status = JSON.parse(destination.files.get('tbot-status.json') ?? '') as StatusRecord;
    assert.equal(status.name, 'wi');
    assert.deepEqual(status.schedule, { credential_ttl: '90s', renewal_interval: '30s', credential_ttl_ms: 90_000, renewal_interval_ms: 30_000 });
    assert.equal(status.renewals.count, RECENT_RENEWALS + 2);
    assert.deepEqual(
      status.renewals.recent,
      times.slice(-RECENT_RENEWALS).map((time) => time.toISOString()),
    );
    assert.deepEqual([...destination.files.keys()].sort(), ['svid.pem', 'svid_bundle.pem', 'svid_key.pem', 'tbot-status.json']);
  });

  it('refuses a JWT file_name that would shadow another file of the set, or that the writer reserves', async () => {
    const ca = await memoryCa();
    for (const fileName of ['svid.pem', 'jwks.json', 'tbot-status.json', '..data']) {
      const destination = new MemoryDestination();
      const renewer = new OutputRenewer(
        output({ type: 'spiffe-svid', svid: { path: '/a', dnsSans: [], ipSans: [] }, jwts: [{ audience: 'x', fileName }], includeFederatedTrustBundles: false }, { name: 'svid' }),
        { agentVersion: 't', source: async () => ca, newId: () => 'id' },
        destination,
      );
      await assert.rejects(
        renewer.renew({ now: new Date(), signal }),
        (error: unknown) => error instanceof RenewalError && error.message.includes(JSON.stringify(fileName)),
        fileName,
      );
      assert.equal(destination.files.size, 0, 'nothing was written');
    }
  });

  it('a renewal cut short by the stop signal swaps nothing in', async () => {
    const ca = await memoryCa();
    const destination = new MemoryDestination();
    const renewer = new OutputRenewer(output({ type: 'ssh_host', principals: ['h'] }), { agentVersion: 't', source: async () => ca, newId: () => 'id' }, destination);
    const stopped = new AbortController();
    stopped.abort();
    assert.equal(await renewer.renew({ now: new Date(), signal: stopped.signal }), undefined);
    assert.equal(destination.files.size, 0);
  });

  it('the shared source is opened once for every output, and again after a failed open', async () => {
    const ca = await memoryCa();
    let opens = 0;
    const source = sharedSource(async () => {
      opens += 1;
      if (opens === 1) throw new Error('first open fails');
      return ca;
    });
    await assert.rejects(source(new Date()), /first open fails/);
    const [a, b] = await Promise.all([source(new Date()), source(new Date())]);
    assert.equal(a, ca);
    assert.equal(b, ca);
    assert.equal(opens, 2);
  });
});
