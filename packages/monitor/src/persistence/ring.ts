// Fixed-size ring of the most recent items (oldest dropped first).
export class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be >= 1, got ${capacity}`);
  }

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first; at most `n` of the newest when given. */
  toArray(n?: number): T[] {
    const all = this.items.length < this.capacity ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
    return n === undefined ? all : all.slice(Math.max(0, all.length - n));
  }

  get size(): number {
    return this.items.length;
  }
}
