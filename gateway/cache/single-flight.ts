/**
 * Collapses concurrent calls for the same key into one: the first caller runs `work`, the others
 * share its promise (its result or its error). Nothing is remembered once it settles.
 *
 * @example const v = await flights.run(key, () => infer());
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): { promise: Promise<T>; leader: boolean } {
    const existing = this.inFlight.get(key);
    if (existing) return { promise: existing, leader: false };
    const promise = work().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return { promise, leader: true };
  }

  get size(): number {
    return this.inFlight.size;
  }
}
