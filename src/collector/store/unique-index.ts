/**
 * The uuids already stored for families whose events must be stored at most once (a usage report
 * is billed: a resubmission must store nothing new). It is built from the store itself the first
 * time it is needed, so it survives restarts without a file of its own, and a collector that never
 * receives such events never pays for the scan. Claims cover the time between the check and the
 * durable write, so two copies of one event arriving together cannot both be stored.
 *
 * Bounded: past `max` uuids the oldest are forgotten. Senders resubmit for hours, not for months,
 * and a million reports is years of one cluster's windows.
 */
export const DEFAULT_MAX_UNIQUE = 1_000_000;

export class UniqueIndex {
  private seen: Set<string> | undefined;
  private loading: Promise<void> | undefined;
  private readonly claimed = new Set<string>();

  constructor(
    /** Every uuid already stored, oldest first. */
    private readonly load: () => AsyncIterable<string>,
    private readonly max = DEFAULT_MAX_UNIQUE,
  ) {}

  /** Loads the stored uuids once; later calls return at once. */
  ready(): Promise<void> {
    this.loading ??= (async () => {
      const seen = new Set<string>();
      for await (const uuid of this.load()) this.remember(seen, uuid);
      this.seen = seen;
    })();
    return this.loading;
  }

  /** True when `uuid` is neither stored nor being stored; it is then claimed until commit or release. */
  claim(uuid: string): boolean {
    if (this.seen === undefined) throw new Error('UniqueIndex used before ready()');
    if (this.seen.has(uuid) || this.claimed.has(uuid)) return false;
    this.claimed.add(uuid);
    return true;
  }

  /** The claimed event is durably stored. */
  commit(uuid: string): void {
    this.claimed.delete(uuid);
    if (this.seen !== undefined) this.remember(this.seen, uuid);
  }

  /** Storing the claimed event failed: a retry must be able to store it. */
  release(uuid: string): void {
    this.claimed.delete(uuid);
  }

  get size(): number {
    return this.seen?.size ?? 0;
  }

  private remember(seen: Set<string>, uuid: string): void {
    seen.add(uuid);
    // A Set iterates in insertion order: the first one is the oldest.
    if (seen.size > this.max) seen.delete(seen.values().next().value as string);
  }
}
