/**
 * Rendered views, kept per view (report, window, filters) and store generation: a view asked for
 * again while the store has not changed is answered from memory. Bounded in entries (the least
 * recently used goes first); callers asking for the same view at once share one computation; and
 * at most `maxRunning` computations run together, with at most `maxWaiting` queued behind them, so
 * that a burst of distinct views cannot pile folds onto the collector.
 */

export class DashboardBusyError extends Error {
  override name = 'DashboardBusyError';
}

interface Entry<V> {
  generation: string;
  value: Promise<V>;
}

export interface ViewCacheOptions {
  maxEntries: number;
  maxRunning: number;
  maxWaiting: number;
}

export class ViewCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: ViewCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, generation: string, compute: () => Promise<V>): Promise<V> {
    const found = this.entries.get(key);
    if (found !== undefined && found.generation === generation) {
      // Most recently used goes last, so the first entry is the one to drop.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found.value;
    }
    const value = this.limited(compute);
    const entry = { generation, value };
    this.entries.delete(key);
    this.entries.set(key, entry);
    // A failure is not remembered: the next request tries again.
    value.catch(() => (this.entries.get(key) === entry ? this.entries.delete(key) : undefined));
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  private async limited(compute: () => Promise<V>): Promise<V> {
    if (this.running < this.options.maxRunning) this.running += 1;
    else {
      if (this.waiting.length >= this.options.maxWaiting) throw new DashboardBusyError('the dashboard is computing too many views at once; try again shortly');
      // The slot is handed over by the computation that ends, never taken back in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await compute();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }
}
