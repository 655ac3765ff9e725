import { describe, expect, it } from 'vitest';
import { RateLimiter } from './token-bucket.ts';

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the time until the next token, then refills at the rate', () => {
    let t = 0;
    const l = new RateLimiter({ rps: 2, burst: 3, now: () => t });
    expect([l.take('a'), l.take('a'), l.take('a')].every((r) => r.ok)).toBe(true);
    expect(l.take('a')).toEqual({ ok: false, retryAfterS: 0.5 });
    t = 250;
    expect(l.take('a')).toEqual({ ok: false, retryAfterS: 0.25 });
    t = 500;
    expect(l.take('a').ok).toBe(true);
    expect(l.take('a').ok).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const l = new RateLimiter({ rps: 1, burst: 1, now: () => 0 });
    expect(l.take('a').ok).toBe(true);
    expect(l.take('a').ok).toBe(false);
    expect(l.take('b').ok).toBe(true);
  });

  it('stays bounded under many distinct keys, forgetting refilled buckets first', () => {
    let t = 0;
    const l = new RateLimiter({ rps: 1, burst: 2, now: () => t, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) l.take(`ip${i}`);
    expect(l.size).toBeLessThanOrEqual(100);
    t = 10_000; // all refilled
    l.take('late');
    for (let i = 0; i < 100; i++) l.take(`x${i}`);
    expect(l.size).toBeLessThanOrEqual(100);
  });
});
