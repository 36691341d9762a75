/**
 * Anonymization as Teleport's Go anonymizer (lib/utils/anonymizer.go) does it: the standard base64
 * (with padding) of HMAC-SHA256(key, value), always 44 characters. The key is used as raw bytes: a
 * string key as its UTF-8 bytes, which is what Go's []byte(key) gives, and a binary key as is
 * (Go: NewHMACAnonymizer(string(keyBytes))). Same key and value, same output, byte for byte.
 */
import { createHash, createHmac, randomBytes as cryptoRandomBytes, type KeyObject, createSecretKey } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreateOnce } from './create-once.js';

export interface Anonymizer {
  anonymize(value: string): string;
}

export class AnonymizerKeyError extends Error {
  override name = 'AnonymizerKeyError';
}

/** Repeated values (the same few cluster names) are common; this many results are remembered. */
const MEMO_LIMIT = 1_024;

export class HmacAnonymizer implements Anonymizer {
  private readonly key: KeyObject;
  private readonly memo = new Map<string, string>();

  constructor(key: string | Uint8Array) {
    // Go refuses a key that is empty once spaces are trimmed; so does this, for both kinds of key.
    if (typeof key === 'string' ? key.trim() === '' : key.byteLength === 0) throw new AnonymizerKeyError('an anonymization key must not be empty');
    this.key = createSecretKey(typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key));
  }

  anonymize(value: string): string {
    const known = this.memo.get(value);
    if (known !== undefined) return known;
    const result = createHmac('sha256', this.key).update(value, 'utf8').digest('base64');
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(value, result);
    return result;
  }
}

/** What an anonymized value looks like: base64 of 32 bytes, so the 43rd character carries 4 bits. */
export const ANONYMIZED = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export const CLUSTER_KEYS_DIR = 'anonymization-keys';
export const CLUSTER_KEY_BYTES = 32;

/**
 * One random 32-byte key per root cluster, kept beside the distinct id in
 * `<appDataDir>/anonymization-keys/<sha256 of the cluster name>.key` (0600, raw bytes). Keyed per
 * cluster so that two clusters' names never share a key; kept so that the same cluster gives the
 * same value across launches (a report can count clusters per user without ever seeing a name).
 * A key is created on first use, with the same race-safe create-once as the distinct id, so
 * calling this before the user consented would write a file: ask after consent.
 */
export class ClusterKeys {
  readonly dir: string;
  private readonly cache = new Map<string, Promise<HmacAnonymizer>>();

  constructor(
    appDataDir: string,
    private readonly randomBytes: (size: number) => Uint8Array = cryptoRandomBytes,
  ) {
    this.dir = join(appDataDir, CLUSTER_KEYS_DIR);
  }

  /** The file holding a cluster's key; named by a hash so that no cluster name is written in clear. */
  keyPath(rootCluster: string): string {
    return join(this.dir, `${createHash('sha256').update(rootCluster, 'utf8').digest('hex')}.key`);
  }

  async key(rootCluster: string): Promise<Buffer> {
    const { bytes } = await readOrCreateOnce(
      this.keyPath(rootCluster),
      () => this.randomBytes(CLUSTER_KEY_BYTES),
      (bytes) => bytes.byteLength === CLUSTER_KEY_BYTES,
    );
    return bytes;
  }

  anonymizerFor(rootCluster: string): Promise<HmacAnonymizer> {
    let anonymizer = this.cache.get(rootCluster);
    if (anonymizer === undefined) {
      anonymizer = this.key(rootCluster).then((key) => new HmacAnonymizer(key));
      anonymizer.catch(() => this.cache.delete(rootCluster));
      this.cache.set(rootCluster, anonymizer);
    }
    return anonymizer;
  }
}
