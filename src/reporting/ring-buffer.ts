/** A fixed-capacity FIFO that makes room by dropping its oldest item: the reporter's bounded memory. */
export class RingBuffer<T> {
  private readonly slots: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Appends `item`; when full, the oldest item is dropped and returned. */
  push(item: T): T | undefined {
    const tail = (this.head + this.count) % this.capacity;
    if (this.count < this.capacity) {
      this.slots[tail] = item;
      this.count += 1;
      return undefined;
    }
    const dropped = this.slots[this.head];
    this.slots[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    return dropped;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes and returns up to `n` of the oldest items. */
  take(n: number): T[] {
    const taken: T[] = [];
    while (taken.length < n && this.count > 0) {
      taken.push(this.slots[this.head] as T);
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count -= 1;
    }
    return taken;
  }
}
