interface Entry<V> {
  value: V;
  expiresAt: number;
}

/** A value's size in bytes, as the LRU counts it. */
export type SizeOf<V> = (value: V) => number;

/**
 * An in-process LRU bounded in bytes (values plus keys), with a TTL per entry. A Map keeps insertion
 * order, so the first key is the least recently used: a hit re-inserts its entry at the end.
 */
export class ByteLru<V = Uint8Array> {
  private readonly map = new Map<string, Entry<V>>();
  private used = 0;

  constructor(
    readonly maxBytes: number,
    private readonly now: () => number = Date.now,
    private readonly sizeOf: SizeOf<V> = (v) => (v as Uint8Array).byteLength,
  ) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.map.size;
  }

  private cost(key: string, value: V): number {
    return this.sizeOf(value) + key.length * 2 + 64;
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    if (e.expiresAt <= this.now()) {
      this.used -= this.cost(key, e.value);
      return undefined;
    }
    this.map.set(key, e);
    return e.value;
  }

  /** Stores an entry; one larger than the whole cache is skipped. Returns whether it was stored. */
  set(key: string, value: V, ttlSeconds: number): boolean {
    const cost = this.cost(key, value);
    if (cost > this.maxBytes) return false;
    const old = this.map.get(key);
    if (old) {
      this.map.delete(key);
      this.used -= this.cost(key, old.value);
    }
    while (this.used + cost > this.maxBytes) {
      const [k, e] = this.map.entries().next().value as [string, Entry<V>];
      this.map.delete(k);
      this.used -= this.cost(k, e.value);
    }
    this.map.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    this.used += cost;
    return true;
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
  }
}
