/**
 * The trust check fails closed: while the tenant registry cannot be read, every client
 * certificate is refused, the collector's own tenants' and the external CA's alike (a refusal of
 * either may be in the unreadable file), and the operator is told once. Once the file reads
 * again, both are admitted again. Certificates are real ones (the collector's CA; openssl for the
 * external CA); the socket is the part of a TLSSocket the check reads.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { registryPath } from '../../src/collector/tenants/registry.js';
import { addTenant } from '../../src/collector/tenants/tenant-commands.js';
import { TenantTrust } from '../../src/collector/tenants/tenant-trust.js';
import { externalCa } from '../helpers/rpc-clients.js';
import { makeWorkspace } from '../helpers/workspace.js';

const socketWith = (pem: string): TLSSocket => ({ getPeerX509Certificate: () => new X509Certificate(pem), authorized: true }) as unknown as TLSSocket;

describe('tenant trust with an unreadable registry', () => {
  it('refuses own and external tenants while the registry cannot be read, says so once, and admits them again after', async () => {
    const workspace = await makeWorkspace('tbot-tenant-trust-');
    try {
      const dataDir = join(workspace.dir, 'data');
      await addTenant(dataDir, 'acme', join(workspace.dir, 'acme'), new Date());
      const external = await externalCa(workspace.dir);
      const errors: Error[] = [];
      const trust = new TenantTrust({
        dataDir,
        ownCaPem: await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8'),
        clientCaPem: await readFile(external.caFile, 'utf8'),
        onRegistryError: (error) => errors.push(error),
      });
      const acme = await readFile(join(workspace.dir, 'acme', 'acme.crt'), 'utf8');
      const globex = external.tls.cert!;
      assert.deepEqual([trust.admit(socketWith(acme)), trust.admit(socketWith(globex))], [true, true]);
      const registry = await readFile(registryPath(dataDir), 'utf8');
      await writeFile(registryPath(dataDir), '{ "tenants": [ damaged');
      assert.deepEqual([trust.admit(socketWith(acme)), trust.admit(socketWith(globex)), trust.admit(socketWith(globex))], [false, false, false]);
      assert.equal(errors.length, 1, 'told once per change of state');
      await writeFile(registryPath(dataDir), `${registry}\n`);
      assert.deepEqual([trust.admit(socketWith(acme)), trust.admit(socketWith(globex))], [true, true]);
    } finally {
      await workspace.remove();
    }
  });
});
