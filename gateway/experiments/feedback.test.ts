import { describe, expect, it } from 'vitest';
import { Assignments, MAX_REQUEST_ID_LENGTH } from './feedback.ts';

const INVALID = expect.objectContaining({ code: 'INVALID_INPUT' });

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('Assignments (request id → variant, for feedback)', () => {
  it('finds the variant that served a request, once: a second take returns undefined', () => {
    const a = new Assignments();
    a.record('req-1', 'nsfw-ab', 'challenger');
    a.record('req-2', 'nsfw-ab', 'control');
    expect(a.size).toBe(2);
    expect(a.take('req-1')).toEqual({ experiment: 'nsfw-ab', variant: 'challenger' });
    expect(a.take('req-1')).toBeUndefined();
    expect(a.take('never-recorded')).toBeUndefined();
    expect(a.size).toBe(1);
    expect(a.take('req-2', 'nsfw-ab')).toEqual({ experiment: 'nsfw-ab', variant: 'control' });
    expect(a.size).toBe(0);
  });

  it('does not hand an entry to feedback for another experiment, and keeps it for the right one', () => {
    const a = new Assignments();
    a.record('r', 'exp-a', 'v1');
    expect(a.take('r', 'exp-b')).toBeUndefined();
    expect(a.take('r', 'exp-a')).toEqual({ experiment: 'exp-a', variant: 'v1' });
  });

  it('forgets an entry ttlMs after it was recorded (injected clock), and drops expired entries without a take', () => {
    const c = clock();
    const a = new Assignments(100, 1000, c.now);
    a.record('old', 'e', 'v');
    c.advance(600);
    a.record('young', 'e', 'v');
    c.advance(399);
    expect(a.size).toBe(2); // 'old' is 999 ms old: still alive
    c.advance(1);
    expect(a.size).toBe(1); // 'old' reached 1000 ms: gone, without anyone asking for it
    expect(a.take('old')).toBeUndefined();
    expect(a.take('young')).toEqual({ experiment: 'e', variant: 'v' });
    a.record('late', 'e', 'v');
    c.advance(5000);
    expect(a.take('late')).toBeUndefined();
    expect(a.size).toBe(0);
  });

  it('evicts the oldest entry first when full, and recording an id again refreshes it', () => {
    const c = clock();
    const a = new Assignments(3, 60_000, c.now);
    for (const id of ['a', 'b', 'c']) {
      a.record(id, 'e', `v-${id}`);
      c.advance(1);
    }
    a.record('a', 'e', 'v-a2'); // 'a' moves to the newest end, with its new variant
    a.record('d', 'e', 'v-d'); // full: evicts 'b', the oldest now
    expect(a.size).toBe(3);
    expect(a.take('b')).toBeUndefined();
    expect(a.take('a')).toEqual({ experiment: 'e', variant: 'v-a2' });
    expect(a.take('c')).toEqual({ experiment: 'e', variant: 'v-c' });
    expect(a.take('d')).toEqual({ experiment: 'e', variant: 'v-d' });
  });

  it('stays bounded under a flood of distinct ids', () => {
    const a = new Assignments(1000, 3_600_000, clock().now);
    for (let i = 0; i < 50_000; i++) a.record(`id-${i}`, 'e', 'v');
    expect(a.size).toBe(1000);
    expect(a.take('id-48999')).toBeUndefined();
    expect(a.take('id-49000')).toEqual({ experiment: 'e', variant: 'v' });
    expect(a.take('id-49999')).toEqual({ experiment: 'e', variant: 'v' });
  });

  it('survives a clock that steps backwards (entries are then younger, not lost)', () => {
    const c = clock();
    const a = new Assignments(10, 1000, c.now);
    a.record('x', 'e', 'v');
    c.advance(-10_000);
    expect(a.size).toBe(1);
    expect(a.take('x')).toEqual({ experiment: 'e', variant: 'v' });
  });

  it('refuses ids that are empty, too long or not strings, empty names, and bad limits', () => {
    const a = new Assignments();
    for (const id of [
      '',
      'x'.repeat(MAX_REQUEST_ID_LENGTH + 1),
      42 as unknown as string,
      undefined as unknown as string,
    ]) {
      expect(() => a.record(id, 'e', 'v'), String(id).slice(0, 20)).toThrow(INVALID);
    }
    expect(() => a.record('ok', '', 'v')).toThrow(INVALID);
    expect(() => a.record('ok', 'e', '')).toThrow(INVALID);
    expect(a.size).toBe(0);
    a.record('x'.repeat(MAX_REQUEST_ID_LENGTH), 'e', 'v');
    expect(a.size).toBe(1);
    expect(a.take(7 as unknown as string)).toBeUndefined();
    for (const max of [0, -1, 1.5, NaN]) expect(() => new Assignments(max), String(max)).toThrow(INVALID);
    for (const ttl of [0, -5, NaN, Infinity]) expect(() => new Assignments(10, ttl), String(ttl)).toThrow(INVALID);
  });
});
