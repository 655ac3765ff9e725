/**
 * A first-in first-out queue with O(1) push and shift (an array with a moving head, compacted when
 * half of it is consumed) that can be iterated from the oldest entry.
 */
export class Fifo<T> implements Iterable<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    // Drop the slot's reference at once: a consumed request (and the tensors it holds) must not stay
    // reachable until the next compaction, up to 1,024 of them (0.6 MB each for a 224×224 image).
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}
