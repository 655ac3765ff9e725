import { describe, expect, it } from 'vitest';
import { curvesSvg } from './curves.ts';
import type { EpochReport } from './types.ts';

const epoch = (e: number, loss: number, acc: number): EpochReport => ({
  epoch: e,
  loss,
  accuracy: acc,
  valLoss: loss * 1.1,
  valAccuracy: acc * 0.9,
  ms: 10,
});

/** Tags open and close in order, attributes quoted: enough to catch broken markup. */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else if (!m[4]) stack.push(m[2]!);
  }
  const stripped = svg.replace(/<[^>]*>/g, '');
  return stack.length === 0 && !/[<>]/.test(stripped) && !/&(?!amp;|lt;|gt;|quot;|#39;)/.test(stripped);
}

describe('curvesSvg', () => {
  it('draws a path per series in two panels with ticks and a legend', () => {
    const svg = curvesSvg([epoch(1, 1.2, 0.4), epoch(2, 0.8, 0.6), epoch(3, 0.5, 0.8)], 'run 1');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(wellFormed(svg)).toBe(true);
    const series = [...svg.matchAll(/data-series="([^"]+)" d="([^"]*)"/g)];
    expect(series.map((m) => m[1])).toEqual(['loss', 'val loss', 'accuracy', 'val accuracy']);
    for (const m of series) expect(m[2]).toMatch(/^M[\d.]+ [\d.]+L[\d.]+ [\d.]+L[\d.]+ [\d.]+$/);
    expect(svg).toContain('>epoch</text>');
    expect(svg).not.toMatch(/<script|href=|@import|url\(/);
  });

  it('handles one epoch and NaN/Infinity losses without NaN in the output', () => {
    const one = curvesSvg([epoch(1, 0.7, 0.5)], 'one');
    expect(wellFormed(one)).toBe(true);
    expect(one).not.toMatch(/NaN|Infinity/);
    expect(one.match(/<circle/g)).toHaveLength(4);
    const bad = curvesSvg([epoch(1, NaN, 0.5), epoch(2, Infinity, 0.6), epoch(3, 0.4, 0.7), epoch(4, 0.3, 0.8)], 'bad');
    expect(bad).not.toMatch(/NaN|Infinity/);
    expect(wellFormed(bad)).toBe(true);
    const all = curvesSvg([epoch(1, NaN, NaN)], 'all missing');
    expect(all).not.toMatch(/NaN/);
  });

  it('escapes the title', () => {
    const svg = curvesSvg([epoch(1, 1, 1)], `<script>alert("x")</script> & 'co'`);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
    expect(wellFormed(svg)).toBe(true);
  });
});
