/**
 * Who is on the other end of a TLS connection. A client that offers no certificate is anonymous
 * (the client services are open to it). One that offers a certificate must be verified by node's
 * TLS against a trusted CA, and then:
 *   - issued by the collector's CA: known to the tenant registry under its CN, and not revoked;
 *   - issued by an external CA (--client-ca): the tenant is its CN, which must be a tenant name,
 *     and neither the tenant nor that certificate's serial refused (`tenant revoke --external`).
 * Anything else is refused right after the handshake, so a revoked certificate never gets a request
 * through. The registry is re-read whenever the file changed (a stat per handshake), so `tenant
 * revoke` takes effect at the next connection without a restart.
 */
import { statSync, type Stats } from 'node:fs';
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { parseCertificate } from '../../ca/x509-issuer.js';
import { type ExternalRevocation, readRegistry, registryPath, serialKey, type TenantEntry } from './registry.js';
import { isTenantName } from './tenant-name.js';

/** The extendedKeyUsage a client certificate must allow, when it restricts usage at all. */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
/** Set on an admitted socket; read back through HTTP/2's socket proxy, which forwards property reads. */
const TENANT = Symbol('tenant');
/** The verdict on a socket, once judged: a request may be parsed before 'secureConnection' is handled. */
const VERDICT = Symbol('verdict');

interface Identity {
  tenant: string;
  serial: string;
  /** Issued by the external CA (--client-ca), not the collector's. */
  external: boolean;
}

interface Identified {
  [TENANT]?: Identity;
  [VERDICT]?: boolean;
}

/** The single CN of a subject as node prints it ("CN=acme\nO=..."), or undefined. */
function commonName(certificate: X509Certificate): string | undefined {
  const names = certificate.subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
  return names.length === 1 ? names[0] : undefined;
}

export interface TenantTrustOptions {
  dataDir: string;
  ownCaPem: string;
  /** PEM bundle of an external CA whose certificates name tenants by CN. */
  clientCaPem?: string;
  /** Told once per change of state when the registry cannot be read: tenants of our CA are refused meanwhile. */
  onRegistryError?: (error: Error) => void;
}

export class TenantTrust {
  readonly caPems: string[];
  private readonly ownCa: X509Certificate;
  private readonly path: string;
  private seen: string | undefined;
  private bySerial = new Map<string, TenantEntry>();
  private external: ExternalRevocation[] = [];
  private registryError: Error | undefined;

  constructor(private readonly options: TenantTrustOptions) {
    this.ownCa = parseCertificate(options.ownCaPem);
    this.caPems = [options.ownCaPem, ...(options.clientCaPem === undefined ? [] : [options.clientCaPem])];
    this.path = registryPath(options.dataDir);
    this.refresh();
  }

  /** Re-reads the registry if the file changed since the last look (inode, size, mtime, ctime). */
  private refresh(): void {
    let stats: Stats | undefined;
    try {
      stats = statSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.fail(error as Error);
        return;
      }
    }
    const stamp = stats === undefined ? 'none' : `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
    if (stamp === this.seen) return;
    try {
      const registry = readRegistry(this.options.dataDir);
      this.bySerial = new Map(registry.tenants.map((entry) => [entry.serial, entry]));
      this.external = registry.externalRevocations;
      this.seen = stamp;
      this.registryError = undefined;
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private fail(error: Error): void {
    // Fail closed: without a readable registry no certificate of ours can be checked for revocation.
    this.bySerial = new Map();
    // The external CA's certificates are refused too (externalRevoked): a refusal may be in the unreadable file.
    this.external = [];
    this.seen = undefined;
    if (this.registryError?.message !== error.message) this.options.onRegistryError?.(error);
    this.registryError = error;
  }

  /** Whether the registry refuses this external certificate (by its tenant, or by its serial). */
  private externalRevoked(identity: Identity): boolean {
    this.refresh();
    if (this.registryError !== undefined) return true;
    const serial = serialKey(identity.serial);
    return this.external.some((entry) => entry.name === identity.tenant && (entry.serial === undefined || serialKey(entry.serial) === serial));
  }

  /** Whether the identity is still good: not revoked in the registry as it is now. */
  private stillValid(identity: Identity): boolean {
    if (identity.external) return !this.externalRevoked(identity);
    this.refresh();
    const entry = this.bySerial.get(identity.serial);
    return entry !== undefined && entry.revokedAt === undefined && entry.name === identity.tenant;
  }

  /** The tenant a verified certificate names, or undefined when it must be refused. */
  private tenantOf(certificate: X509Certificate): Identity | undefined {
    if (certificate.keyUsage !== undefined && !certificate.keyUsage.includes(CLIENT_AUTH)) return undefined;
    const name = commonName(certificate);
    if (name === undefined || !isTenantName(name)) return undefined;
    const serial = certificate.serialNumber.toUpperCase();
    if (certificate.checkIssued(this.ownCa) && certificate.verify(this.ownCa.publicKey)) {
      const identity = { tenant: name, serial, external: false };
      return this.stillValid(identity) ? identity : undefined;
    }
    // Not ours, yet verified by node against the trusted list: the external CA issued it.
    if (this.options.clientCaPem === undefined) return undefined;
    const identity = { tenant: name, serial, external: true };
    return this.stillValid(identity) ? identity : undefined;
  }

  /**
   * Judges a TLS connection after its handshake, once: false means close it now. Called from
   * 'secureConnection' and again before each request is handled, because the first request of a
   * connection can be parsed and dispatched before 'secureConnection' reaches our listener; the
   * second call returns the first verdict.
   */
  admit(socket: TLSSocket): boolean {
    const judged = socket as TLSSocket & Identified;
    if (judged[VERDICT] !== undefined) return judged[VERDICT];
    const verdict = this.judge(judged);
    judged[VERDICT] = verdict;
    return verdict;
  }

  private judge(socket: TLSSocket & Identified): boolean {
    const certificate = socket.getPeerX509Certificate();
    if (certificate === undefined) return true;
    if (!socket.authorized) return false;
    const identity = this.tenantOf(certificate);
    if (identity === undefined) return false;
    socket[TENANT] = identity;
    return true;
  }

  /**
   * The caller of a request on an admitted connection. A certificate revoked while its connection
   * stays open loses its tenant from the next request on (the call then counts as anonymous).
   */
  callerOf(req: { socket: unknown }): { tenant?: string } {
    const identity = (req.socket as Identified | null)?.[TENANT];
    if (identity === undefined || !this.stillValid(identity)) return {};
    return { tenant: identity.tenant };
  }
}
