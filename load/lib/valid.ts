import type { FuzzCase } from '../../test/support/fuzz/case.ts';
import { prng } from '../../test/support/fuzz/prng.ts';
import { validCase } from '../../test/support/fuzz/valid.ts';
import { fuzzContext } from '../../test/support/fuzz/index.ts';

/** Valid `scale` requests (JSON or binary) with checked answers, varied by `i` (so the cache mostly misses). */
export async function scaleRequests(seed = 1): Promise<(i: number) => FuzzCase> {
  const ctx = await fuzzContext();
  const rng = prng(seed);
  return () => {
    for (;;) {
      const c = validCase(rng, ctx);
      if (c.category.startsWith('valid.scale')) return c;
    }
  };
}
