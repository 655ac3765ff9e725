import { describe, expect, it } from 'vitest';
import type { Job } from './api.ts';
import { ProgressView } from './progress.ts';

const base: Job = {
  id: 'ft-x-00000000',
  model: 'm',
  baseVersion: 1,
  state: 'queued',
  classes: ['a', 'b'],
  options: { epochs: 2 },
  examples: { train: 8, validation: 2, augmented: 0 },
  epochs: [],
};
const epoch = (n: number) => ({
  epoch: n,
  loss: 0.5 / n,
  accuracy: 0.5 + n / 10,
  valLoss: 0.6 / n,
  valAccuracy: 0.5,
  ms: 10,
});
const records: Job[] = [
  base,
  { ...base, state: 'extracting', progress: { done: 0, total: 10 } },
  ...Array.from({ length: 10 }, (_, i) => ({ ...base, state: 'extracting', progress: { done: i + 1, total: 10 } })),
  { ...base, state: 'training', progress: { done: 10, total: 10 } },
  { ...base, state: 'training', progress: { done: 10, total: 10 }, epochs: [epoch(1)], etaS: 75 },
  { ...base, state: 'training', progress: { done: 10, total: 10 }, epochs: [epoch(1)], etaS: 75 }, // seen twice: nothing new
  { ...base, state: 'training', progress: { done: 10, total: 10 }, epochs: [epoch(1), epoch(2)], etaS: 0 },
  { ...base, state: 'validating', epochs: [epoch(1), epoch(2)] },
];

/** What the view writes to redraw a line in place: a carriage return, then ESC [2K (erase the line). */
const REDRAW = '\r\x1b[2K';

const occurrences = (text: string, part: string) => text.split(part).length - 1;

function draw(isTTY: boolean): string {
  let text = '';
  const view = new ProgressView({ isTTY, write: (s: string) => (text += s) });
  for (const r of records) view.show(r);
  view.end();
  return text;
}

describe('finetune CLI progress', () => {
  it('off a TTY: plain lines only, a feature line per 10 %, a line per epoch with its scores and ETA', () => {
    const text = draw(false);
    expect(text).not.toContain('\r');
    expect(text).not.toContain('\x1b');
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('features'))).toHaveLength(11);
    expect(lines).toContain('features [########################] 10/10');
    expect(lines.filter((l) => l.startsWith('epoch'))).toEqual([
      'epoch 1/2 [######......]  loss 0.500  acc 0.600  val loss 0.600  val acc 0.500  ETA 1m15s',
      'epoch 2/2 [############]  loss 0.250  acc 0.700  val loss 0.300  val acc 0.500',
    ]);
    expect(lines[0]).toBe('queued');
    expect(lines.at(-1)).toBe('scoring the held-out examples');
  });

  it('on a TTY: the feature and epoch bars are redrawn in place, each closed before the next line', () => {
    const text = draw(true);
    expect(occurrences(text, `${REDRAW}features`)).toBe(11);
    expect(text).toMatch(/10\/10\ntraining\n/);
    expect(occurrences(text, `${REDRAW}epoch`)).toBe(2);
    expect(text.split(REDRAW).at(-1)).toMatch(/^epoch 2\/2 .*val acc 0\.500\nscoring/);
  });
});
