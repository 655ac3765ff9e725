/**
 * Microseconds per call of each function, run in alternating rounds (so that a drift of the machine weighs on
 * them alike) and the best round of each kept: `iterations` calls per round after a short warm-up.
 *
 * @example const [before, after] = sideBySide([oldPath, newPath], 1000);
 */
export function sideBySide(fns: ReadonlyArray<() => unknown>, iterations: number, rounds = 3): number[] {
  const time = (f: () => unknown) => {
    for (let i = 0; i < Math.min(iterations, 50); i++) f();
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) f();
    return ((performance.now() - t0) * 1000) / iterations;
  };
  const best = fns.map(() => Infinity);
  for (let r = 0; r < rounds; r++)
    fns.forEach((f, k) => {
      best[k] = Math.min(best[k]!, time(f));
    });
  return best;
}
