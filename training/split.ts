import { invalidInput } from '../core/errors.ts';
import { seededRandom } from '../core/random.ts';

/** Fisher–Yates shuffle in place with `rand`; returns `items`. */
export function shuffleInPlace<T>(items: T[] | Int32Array, rand: () => number): typeof items {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

/**
 * Splits example indices into training and validation, class by class: about `fraction` of each class
 * goes to validation, and every class with at least 2 examples gets at least one validation example
 * and keeps at least one training example (a class of 1 stays in training). Deterministic by `seed`;
 * both lists are sorted.
 *
 * @example
 * stratifiedSplit([0, 0, 0, 0, 1, 1], 0.25, 7); // { train: [0, 2, 3, 5], validation: [1, 4] } (for example)
 */
export function stratifiedSplit(
  labels: ArrayLike<number>,
  fraction: number,
  seed: number,
): { train: number[]; validation: number[] } {
  if (!(fraction > 0 && fraction < 1))
    throw invalidInput(`validation fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    let list = byClass.get(c);
    if (!list) {
      list = [];
      byClass.set(c, list);
    }
    list.push(i);
  }
  const rand = seededRandom(seed);
  const train: number[] = [];
  const validation: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = shuffleInPlace(byClass.get(c)!, rand) as number[];
    const n = members.length;
    const k = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
    validation.push(...members.slice(0, k));
    train.push(...members.slice(k));
  }
  return { train: train.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}
