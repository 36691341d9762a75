/**
 * What `tbot-collector tenant add | list | revoke` do, apart from the CLI: issue a tenant's client
 * certificate with the collector's CA and record it, list the records, revoke one.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import { makeDirectories } from '../../fs/make-directories.js';
import { acquirePidLock, LockHeldError, type PidLock, realPidLockDeps } from '../../fs/pid-lock.js';
import { prepareDataDir } from '../store/data-dir.js';
import { CA_CERT_FILE, openCollectorCa } from './collector-ca.js';
import { TenantError } from './errors.js';
import { type ExternalRevocation, type Registry, readRegistry, registryPath, serialKey, writeRegistry, type TenantEntry } from './registry.js';
import { tenantNameProblem } from './tenant-name.js';

export const DEFAULT_TENANT_DAYS = 365;
export const MAX_TENANT_DAYS = 3_650;
const DAY_MS = 24 * 3_600_000;
/**
 * Held while a command reads, changes and rewrites the registry. In the data dir, not in tls/:
 * tls/ appears whole, renamed into place when the CA is created, and must not exist before.
 */
export const REGISTRY_LOCK_FILE = '.tenants.lock';
/** Issuing a certificate takes milliseconds; a holder that keeps the lock this long is stuck. */
const REGISTRY_LOCK_WAIT_MS = 15_000;

/**
 * Runs `change` with the registry locked: two `tenant add`s at once would otherwise both read the
 * same registry and the second write would drop the first one's tenant (a certificate the server
 * would then refuse, and nobody could revoke). A holder that died is recognized by its pid.
 */
async function withRegistryLocked<T>(dataDir: string, now: Date, change: () => Promise<T>): Promise<T> {
  const path = join(dataDir, REGISTRY_LOCK_FILE);
  let lock: PidLock;
  try {
    lock = await acquirePidLock(
      path,
      { waitMs: REGISTRY_LOCK_WAIT_MS, pollMs: 25 },
      realPidLockDeps(() => now),
    );
  } catch (error) {
    if (error instanceof LockHeldError)
      throw new TenantError(`the tenant registry is locked by pid ${error.holder.pid} since ${error.holder.since} (${path}); try again when it is done`);
    throw error;
  }
  try {
    return await change();
  } finally {
    await lock.release();
  }
}

function checkName(name: string): void {
  const problem = tenantNameProblem(name);
  if (problem !== undefined) throw new TenantError(`tenant name ${JSON.stringify(name)} ${problem}`);
}

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

export interface AddedTenant {
  entry: TenantEntry;
  files: { cert: string; key: string; ca: string };
}

/**
 * Issues NAME's client certificate into `outDir` (NAME.crt, NAME.key 0600, ca.crt). Files already
 * there are never overwritten: a key someone else put there is not ours to replace. A name that
 * holds an unrevoked certificate is refused; revoke it first to issue a new one.
 */
export async function addTenant(dataDir: string, name: string, outDir: string, now: Date, days = DEFAULT_TENANT_DAYS): Promise<AddedTenant> {
  checkName(name);
  if (!Number.isInteger(days) || days < 1 || days > MAX_TENANT_DAYS) throw new TenantError(`--days ${days}: expected a whole number of days from 1 to ${MAX_TENANT_DAYS}`);
  await prepareDataDir(dataDir);
  return withRegistryLocked(dataDir, now, () => issueTenant(dataDir, name, outDir, now, days));
}

async function issueTenant(dataDir: string, name: string, outDir: string, now: Date, days: number): Promise<AddedTenant> {
  const registry = readRegistry(dataDir);
  if (registry.tenants.some((entry) => entry.name === name && entry.revokedAt === undefined))
    throw new TenantError(`tenant ${name} already has a valid certificate (see \`tenant list\`); revoke it first to issue a new one`);
  const ca = await openCollectorCa(dataDir, now, true);
  const files = { cert: join(outDir, `${name}.crt`), key: join(outDir, `${name}.key`), ca: join(outDir, CA_CERT_FILE) };
  await makeDirectories(outDir, 0o700);
  for (const path of [files.cert, files.key]) if (await exists(path)) throw new TenantError(`${path} already exists; move it away or choose another --out`);
  const caThere = await readFile(files.ca, 'utf8').catch(() => undefined);
  if (caThere !== undefined && caThere !== ca.certPem) throw new TenantError(`${files.ca} already exists and holds another CA; choose another --out`);
  const issued = await ca.issueTenant(name, now, days * DAY_MS);
  const entry: TenantEntry = { name, serial: issued.serial, issuedAt: now.toISOString(), notAfter: issued.notAfter.toISOString() };
  // The record first: a certificate the registry does not know is refused by the server, so a
  // crash in between leaves nothing usable behind rather than a certificate nobody can revoke.
  await writeRegistry(dataDir, { ...registry, tenants: [...registry.tenants, entry] });
  await writeFileAtomic(files.key, issued.keyPem, 0o600);
  await writeFileAtomic(files.cert, issued.certPem, 0o644);
  if (caThere === undefined) await writeFileAtomic(files.ca, ca.certPem, 0o644);
  return { entry, files };
}

const unknownTenant = (dataDir: string, name: string): string => `no tenant ${name} in ${registryPath(dataDir)} (see \`tenant list\`)`;

export function listTenants(dataDir: string): Registry {
  return readRegistry(dataDir);
}

/** Revokes every unrevoked certificate of NAME; the server refuses them from its next handshake on. */
export async function revokeTenant(dataDir: string, name: string, now: Date): Promise<TenantEntry[]> {
  checkName(name);
  // A name the registry has never held is refused before anything is locked (or created).
  if (!readRegistry(dataDir).tenants.some((entry) => entry.name === name)) throw new TenantError(unknownTenant(dataDir, name));
  return withRegistryLocked(dataDir, now, () => revokeLocked(dataDir, name, now));
}

async function revokeLocked(dataDir: string, name: string, now: Date): Promise<TenantEntry[]> {
  const registry = readRegistry(dataDir);
  const { tenants } = registry;
  const revoked: TenantEntry[] = [];
  const updated = tenants.map((entry) => {
    if (entry.name !== name || entry.revokedAt !== undefined) return entry;
    const next = { ...entry, revokedAt: now.toISOString() };
    revoked.push(next);
    return next;
  });
  if (revoked.length === 0) throw new TenantError(tenants.some((entry) => entry.name === name) ? `tenant ${name} has no unrevoked certificate` : unknownTenant(dataDir, name));
  await writeRegistry(dataDir, { ...registry, tenants: updated });
  return revoked;
}

/**
 * Refuses certificates an external CA (--client-ca) issued to NAME: all of them, or only the one
 * with `serial`. The collector cannot revoke at that CA, so it keeps the refusal in its own
 * registry, which a running server re-reads at the next handshake.
 */
export async function revokeExternal(dataDir: string, name: string, now: Date, serial?: string): Promise<ExternalRevocation> {
  checkName(name);
  const normalized = serial === undefined ? undefined : serialKey(serial);
  if (normalized !== undefined && !/^[0-9A-F]{1,40}$/.test(normalized))
    throw new TenantError(`--serial ${JSON.stringify(serial)}: expected the certificate's serial in hex (as openssl x509 -serial prints it)`);
  await prepareDataDir(dataDir);
  return withRegistryLocked(dataDir, now, async () => {
    const registry = readRegistry(dataDir);
    // Already refused (all of the tenant's, or this serial, however it was written then): nothing to add.
    const covered = registry.externalRevocations.find((entry) => entry.name === name && (entry.serial === undefined || serialKey(entry.serial) === normalized));
    if (covered !== undefined) return covered;
    const entry: ExternalRevocation = { name, ...(normalized === undefined ? {} : { serial: normalized }), revokedAt: now.toISOString() };
    // The registry lives in tls/, which appears whole when the CA is made (collector-ca.ts): make
    // the CA first, as `tenant add` does, so a refusal recorded before any tenant has a place.
    await openCollectorCa(dataDir, now, true);
    await writeRegistry(dataDir, { ...registry, externalRevocations: [...registry.externalRevocations, entry] });
    return entry;
  });
}
