import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issuesText } from './issues.ts';

describe('issuesText', () => {
  it('names each failing path with its message, the value itself as the root', () => {
    const r = z
      .object({ a: z.object({ b: z.number() }), c: z.array(z.string()) })
      .strict()
      .safeParse({ a: { b: 'x' }, c: [1], d: 0 });
    expect(r.success).toBe(false);
    const text = issuesText(r.error!, '(body)');
    expect(text.split('; ')).toHaveLength(3);
    expect(text).toMatch(/^a\.b: .*number.*; c\.0: .*string.*; \(body\): .*"d"/);
    expect(issuesText(z.number().safeParse('x').error!)).toMatch(/^\(root\): /);
  });

  it('shows symbol keys rather than throwing on them', () => {
    expect(issuesText({ issues: [{ path: [Symbol('s'), 1], message: 'bad' }] })).toBe('Symbol(s).1: bad');
  });
});
