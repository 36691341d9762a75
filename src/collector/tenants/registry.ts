/**
 * The tenants the collector's CA has issued certificates to, and which of those certificates are
 * revoked: one JSON file, <data dir>/tls/tenants.json, replaced atomically on every change. The
 * server re-reads it when it changes (see revocation.ts), so a revocation needs no restart.
 * Everything read back is re-checked: a hand-edited file cannot smuggle an odd name into the store.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs/atomic-write.js';
import { TLS_DIRECTORY } from './collector-ca.js';
import { TlsSetupError } from './errors.js';
import { tenantNameProblem } from './tenant-name.js';

export const REGISTRY_FILE = 'tenants.json';
/** Each entry is about 200 bytes; 10,000 tenants, revoked ones included, fit well inside this. */
export const MAX_REGISTRY_BYTES = 4 * 1024 * 1024;
export const MAX_TENANT_ENTRIES = 10_000;

export interface TenantEntry {
  name: string;
  /** The certificate's serial, upper-case hex. */
  serial: string;
  issuedAt: string;
  notAfter: string;
  revokedAt?: string;
}

/**
 * A refusal of certificates an external CA (--client-ca) issued: that CA is not ours to revoke
 * with, so the collector keeps its own list. Without a serial, every certificate naming the tenant
 * is refused; with one, only that certificate.
 */
export interface ExternalRevocation {
  name: string;
  /** The certificate's serial, upper-case hex; absent: all of the tenant's external certificates. */
  serial?: string;
  revokedAt: string;
}

export interface Registry {
  tenants: TenantEntry[];
  externalRevocations: ExternalRevocation[];
}

export const EMPTY_REGISTRY: Registry = { tenants: [], externalRevocations: [] };

/** A serial compared as a number: one tool prints a leading zero byte (or colons), another does not. */
export const serialKey = (serial: string): string =>
  serial
    .replace(/:/g, '')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');

export const registryPath = (dataDir: string): string => join(dataDir, TLS_DIRECTORY, REGISTRY_FILE);

const SERIAL = /^[0-9A-F]{1,40}$/;
const isIsoTime = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value) && !Number.isNaN(Date.parse(value));

/** The registry as stored; throws TlsSetupError naming the file and the entry that is wrong. */
export function parseRegistry(path: string, text: string): Registry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TlsSetupError(path, `not valid JSON: ${(error as Error).message}`);
  }
  const tenants = (parsed as { tenants?: unknown } | null)?.tenants;
  if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== 1 || !Array.isArray(tenants))
    throw new TlsSetupError(path, 'expected {"version": 1, "tenants": [...]}');
  const external = (parsed as { externalRevocations?: unknown }).externalRevocations ?? [];
  if (!Array.isArray(external)) throw new TlsSetupError(path, 'externalRevocations: expected a list');
  if (tenants.length + external.length > MAX_TENANT_ENTRIES)
    throw new TlsSetupError(path, `holds ${tenants.length + external.length} entries; at most ${MAX_TENANT_ENTRIES} are allowed`);
  return {
    tenants: tenants.map((entry: unknown, index) => parseTenantEntry(path, entry, index)),
    externalRevocations: external.map((entry: unknown, index) => parseExternal(path, entry, index)),
  };
}

const fieldsOf = (entry: unknown): Record<string, unknown> => (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;

function checkedName(path: string, at: string, name: unknown): string {
  if (typeof name !== 'string') throw new TlsSetupError(path, `${at}.name: expected a string`);
  const problem = tenantNameProblem(name);
  if (problem !== undefined) throw new TlsSetupError(path, `${at}.name ${JSON.stringify(name)} ${problem}`);
  return name;
}

function parseExternal(path: string, entry: unknown, index: number): ExternalRevocation {
  const at = `externalRevocations[${index}]`;
  const { name, serial, revokedAt } = fieldsOf(entry);
  const checked = checkedName(path, at, name);
  if (serial !== undefined && (typeof serial !== 'string' || !SERIAL.test(serial))) throw new TlsSetupError(path, `${at}.serial: expected upper-case hex`);
  if (!isIsoTime(revokedAt)) throw new TlsSetupError(path, `${at}.revokedAt: expected an RFC 3339 UTC time`);
  return { name: checked, ...(serial === undefined ? {} : { serial }), revokedAt };
}

function parseTenantEntry(path: string, entry: unknown, index: number): TenantEntry {
  {
    const at = `tenants[${index}]`;
    const { name: rawName, serial, issuedAt, notAfter, revokedAt } = fieldsOf(entry);
    const name = checkedName(path, at, rawName);
    if (typeof serial !== 'string' || !SERIAL.test(serial)) throw new TlsSetupError(path, `${at}.serial: expected upper-case hex`);
    if (!isIsoTime(issuedAt)) throw new TlsSetupError(path, `${at}.issuedAt: expected an RFC 3339 UTC time`);
    if (!isIsoTime(notAfter)) throw new TlsSetupError(path, `${at}.notAfter: expected an RFC 3339 UTC time`);
    if (revokedAt !== undefined && !isIsoTime(revokedAt)) throw new TlsSetupError(path, `${at}.revokedAt: expected an RFC 3339 UTC time`);
    return { name, serial, issuedAt, notAfter, ...(revokedAt === undefined ? {} : { revokedAt }) };
  }
}

/**
 * The registry, or none when the file does not exist yet. Synchronous on purpose: the server calls it
 * inside a TLS handshake, where the answer must be ready before the connection may be used.
 */
export function readRegistry(dataDir: string): Registry {
  const path = registryPath(dataDir);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_REGISTRY;
    throw new TlsSetupError(path, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new TlsSetupError(path, 'not a regular file');
    if (info.size > MAX_REGISTRY_BYTES) throw new TlsSetupError(path, `larger than ${MAX_REGISTRY_BYTES} bytes`);
    return parseRegistry(path, readFileSync(fd, 'utf8'));
  } finally {
    closeSync(fd);
  }
}

export async function writeRegistry(dataDir: string, registry: Registry): Promise<void> {
  const { tenants, externalRevocations } = registry;
  if (tenants.length + externalRevocations.length > MAX_TENANT_ENTRIES) throw new TlsSetupError(registryPath(dataDir), `would hold more than ${MAX_TENANT_ENTRIES} entries`);
  // The external list only when there is one: a registry without it reads the same in older builds.
  const stored = externalRevocations.length === 0 ? { version: 1, tenants } : { version: 1, tenants, externalRevocations };
  await writeFileAtomic(registryPath(dataDir), `${JSON.stringify(stored, null, 2)}\n`, 0o600);
}
