import { z } from 'zod';

/**
 * A character n-gram featurizer: the "model file" (`model.json`) of a version served by the `ngram` runtime.
 * Text is NFKC-normalised (and lower-cased), runs of white space become one space, and the text is padded
 * with a space at each end; each n-gram of `orders` code points is hashed (FNV-1a) into one of `buckets`
 * counters; the vector is log(1 + count), scaled to unit length.
 */
export const NgramSpecSchema = z
  .object({
    format: z.literal('char-ngram'),
    orders: z.array(z.number().int().min(1).max(5)).min(1).max(5).default([1, 2, 3]),
    buckets: z.number().int().min(16).max(65_536).default(4096),
    lowercase: z.boolean().default(true),
    /** Code points of a text read at most (the rest is ignored): the work per text is bounded. */
    maxChars: z.number().int().min(16).max(1_000_000).default(4000),
  })
  .strict();

export type NgramSpec = z.infer<typeof NgramSpecSchema>;

/** FNV-1a over the n-gram's order and code points. */
function hash(order: number, points: readonly number[], at: number): number {
  let h = 0x811c9dc5 ^ order;
  for (let i = at; i < at + order; i++) {
    let c = points[i]!;
    for (let b = 0; b < 3; b++) {
      h ^= c & 0xff;
      h = Math.imul(h, 0x01000193);
      c >>>= 8;
    }
  }
  return h >>> 0;
}

/**
 * Writes the features of `text` into `out` at `offset` (`spec.buckets` values).
 *
 * @example
 * const v = new Float32Array(4096); ngramFeatures('Bonjour', NgramSpecSchema.parse({ format: 'char-ngram' }), v, 0);
 */
export function ngramFeatures(text: string, spec: NgramSpec, out: Float32Array, offset: number): void {
  let t = text.normalize('NFKC');
  if (spec.lowercase) t = t.toLowerCase();
  const points = [32];
  for (const ch of t.replace(/\s+/gu, ' ').trim()) {
    if (points.length > spec.maxChars) break;
    points.push(ch.codePointAt(0)!);
  }
  points.push(32);
  const row = out.subarray(offset, offset + spec.buckets);
  row.fill(0);
  for (const order of spec.orders)
    for (let i = 0; i + order <= points.length; i++) row[hash(order, points, i) % spec.buckets]! += 1;
  let norm = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i]! > 0) row[i] = Math.log1p(row[i]!);
    norm += row[i]! * row[i]!;
  }
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < row.length; i++) row[i]! *= scale;
  }
}
