import { describe, expect, it } from 'vitest';
import { startWithModel, useGateway } from '../support/gateway.ts';
import { slowClassifier } from '../support/tiny-models.ts';

const softmax = (x: number[]) => {
  const e = x.map((v) => Math.exp(v - Math.max(...x)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('above capacity', () => {
  const gw = useGateway(() =>
    startWithModel('slow', slowClassifier(), { batching: { maxBatchSize: 4, maxQueueDelayMs: 1, maxQueueSize: 8 } }),
  );

  it('refuses the excess at once with 429 and Retry-After, and answers every accepted request with its own rows', async () => {
    const results = await Promise.all(
      Array.from({ length: 80 }, async (_, i) => {
        const x = [i / 10, (i % 7) / 3, -(i % 5) / 4];
        const res = await fetch(`${gw.url}/v2/models/slow/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: x }] }),
        });
        const body = await res.json();
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body, x };
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(ok.length + refused.length).toBe(80); // nothing else: no 500, no lost request
    expect(refused.length).toBeGreaterThan(0);
    expect(ok.length).toBeGreaterThan(8);
    for (const r of refused) {
      expect(r.retryAfter).toBe('1');
      expect(r.body.code).toBe('QUEUE_FULL');
    }
    for (const r of ok) {
      const expected = softmax(r.x);
      (r.body.outputs[0].data as number[]).forEach((p, k) => {
        expect(p).toBeCloseTo(expected[k]!, 5);
      });
    }
  });
});
