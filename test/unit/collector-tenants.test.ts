/** Tenant names and the tenant registry as read back from disk: what is refused, and how it is named. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRegistry } from '../../src/collector/tenants/registry.js';
import { sanProblem } from '../../src/collector/tenants/server-tls.js';
import { MAX_TENANT_NAME_LENGTH, tenantNameProblem } from '../../src/collector/tenants/tenant-name.js';

describe('tenant names', () => {
  for (const name of ['acme', 'a', 'acme-corp.eu_1', '0day', 'x'.repeat(MAX_TENANT_NAME_LENGTH)])
    it(`accepts ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}… (${name.length})` : name)}`, () => assert.equal(tenantNameProblem(name), undefined));
  for (const [name, why] of [
    ['', /is empty/],
    ['x'.repeat(MAX_TENANT_NAME_LENGTH + 1), /at most 63/],
    ['Acme', /lower-case/],
    ['-acme', /start with a letter or digit/],
    ['ac me', /lower-case/],
    ['acme/../x', /lower-case/],
    ['аcme', /lower-case/], // a Cyrillic а: a look-alike is not the same tenant
  ] as const)
    it(`refuses ${JSON.stringify(name.slice(0, 12))}`, () => assert.match(tenantNameProblem(name) ?? '', why));
});

describe('tenant registry read back', () => {
  const entry = { name: 'acme', serial: '0A1B', issuedAt: '2026-12-05T08:00:00.000Z', notAfter: '2027-12-05T08:00:00.000Z' };
  it('reads what the collector writes', () => {
    assert.deepEqual(parseRegistry('t.json', JSON.stringify({ version: 1, tenants: [entry, { ...entry, revokedAt: '2026-12-06T00:00:00.000Z' }] })), {
      tenants: [entry, { ...entry, revokedAt: '2026-12-06T00:00:00.000Z' }],
      externalRevocations: [],
    });
  });
  it('reads refusals of external certificates, by tenant or by serial', () => {
    const external = [
      { name: 'globex', revokedAt: '2026-12-06T00:00:00.000Z' },
      { name: 'initech', serial: '5A3B', revokedAt: '2026-12-06T00:00:00.000Z' },
    ];
    assert.deepEqual(parseRegistry('t.json', JSON.stringify({ version: 1, tenants: [], externalRevocations: external })), { tenants: [], externalRevocations: external });
  });
  for (const [label, text, message] of [
    ['not JSON', '{', /t\.json: not valid JSON/],
    ['another version', JSON.stringify({ version: 2, tenants: [] }), /expected \{"version": 1/],
    ['a bad name', JSON.stringify({ version: 1, tenants: [{ ...entry, name: 'ACME' }] }), /t\.json: tenants\[0\]\.name "ACME" may hold only/],
    ['a bad serial', JSON.stringify({ version: 1, tenants: [entry, { ...entry, serial: 'xyz' }] }), /tenants\[1\]\.serial: expected upper-case hex/],
    ['a bad time', JSON.stringify({ version: 1, tenants: [{ ...entry, notAfter: 'tomorrow' }] }), /tenants\[0\]\.notAfter: expected an RFC 3339 UTC time/],
    [
      'a bad external serial',
      JSON.stringify({ version: 1, tenants: [], externalRevocations: [{ name: 'globex', serial: 'zz', revokedAt: '2026-12-06T00:00:00.000Z' }] }),
      /externalRevocations\[0\]\.serial: expected upper-case hex/,
    ],
  ] as const)
    it(`refuses ${label}, naming the file and the entry`, () => assert.throws(() => parseRegistry('t.json', text), message));
});

describe('--tls-san values', () => {
  for (const name of ['collector.example.com', '*.example.com', '10.0.0.7', '::1', 'localhost']) it(`accepts ${name}`, () => assert.equal(sanProblem(name), undefined));
  for (const name of ['', 'bad name', 'http://x', 'a..b', `${'a'.repeat(64)}.com`])
    it(`refuses ${JSON.stringify(name)}`, () => assert.match(sanProblem(name) ?? '', /expected a DNS name/));
});

describe('tenant revoke --external', () => {
  it('records a serial once however it is written (colons, a leading zero byte, lower case)', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { listTenants, revokeExternal } = await import('../../src/collector/tenants/tenant-commands.js');
    const dir = await mkdtemp(join(tmpdir(), 'tbot-external-revoke-'));
    try {
      const dataDir = join(dir, 'data');
      const now = new Date('2026-12-05T12:00:00.000Z');
      const first = await revokeExternal(dataDir, 'globex', now, '0CF5906B');
      const again = await revokeExternal(dataDir, 'globex', now, '0c:f5:90:6b');
      assert.equal(first.serial, 'CF5906B');
      assert.deepEqual(again, first);
      assert.deepEqual(listTenants(dataDir).externalRevocations, [first]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
