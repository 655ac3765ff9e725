import type { Tensor } from '../../core/tensor.ts';

/**
 * Greedy CTC decoding over PaddleOCR's character list: index 0 is the blank, then the keys file, then
 * a space. Repeats collapse, blanks drop, surrounding spaces are trimmed; confidence is the mean
 * probability of the kept characters.
 */
export function ctcDecode(
  outputs: Record<string, Tensor>,
  keys: readonly string[],
): Array<{ text: string; confidence: number }> {
  const t = Object.values(outputs)[0]!;
  const [n, steps, classes] = t.shape as [number, number, number];
  const probs = t.data as Float32Array;
  const charset = ['', ...keys, ' '];
  return Array.from({ length: n }, (_, i) => {
    let text = '';
    let sum = 0;
    let kept = 0;
    let prev = -1;
    for (let s = 0; s < steps; s++) {
      const row = (i * steps + s) * classes;
      let best = 0;
      for (let c = 1; c < classes; c++) if (probs[row + c]! > probs[row + best]!) best = c;
      if (best !== 0 && best !== prev) {
        text += charset[best] ?? '';
        sum += probs[row + best]!;
        kept++;
      }
      prev = best;
    }
    return { text: text.trim(), confidence: kept ? +(sum / kept).toFixed(4) : 0 };
  });
}
