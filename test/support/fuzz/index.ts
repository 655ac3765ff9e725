import { readFileSync } from 'node:fs';
import type { FuzzCase, FuzzContext, Generator as CaseGenerator } from './case.ts';
import { HTTP_GENERATORS } from './gen-http.ts';
import { V1_GENERATORS } from './gen-v1.ts';
import { V2_GENERATORS } from './gen-v2.ts';
import { media } from './media.ts';
import { prng } from './prng.ts';
import { validCase } from './valid.ts';

/** Every fuzz category and its generator. */
export const GENERATORS: Record<string, CaseGenerator> = { ...V2_GENERATORS, ...V1_GENERATORS, ...HTTP_GENERATORS };

/** Relative weights (1 when not named): heavy cases are rarer so that a run stays short. */
const WEIGHTS: Record<string, number> = {
  'v1.many-instances': 0.1,
  'v1.many-instances.image': 0.02,
  'v1.many-instances.image.multipart': 0.02,
  'http.oversize': 0.2,
  'v1.deep-nesting': 0.5,
  'v2.deep-nesting': 0.5,
  'http.multipart': 0.5,
  'http.content-encoding': 0.5,
};

export interface FuzzPlan {
  seed: number;
  /** Fuzzed requests (valid ones come on top). */
  n: number;
  /** One valid request after every `validEvery` fuzzed ones. */
  validEvery: number;
  /** Categories left out (e.g. `v1.many-instances` on a branch where they are known to take minutes). */
  skip?: readonly string[] | undefined;
}

const fixture = (p: string) => readFileSync(new URL(`../../fixtures/${p}`, import.meta.url));

/** The payloads and fixtures the generators use. */
export async function fuzzContext(): Promise<FuzzContext> {
  return {
    media: await media(),
    fixtures: {
      chelsea: fixture('images/chelsea.jpg'),
      speech: fixture('audio/speech.wav'),
      silence: fixture('audio/silence.wav'),
    },
  };
}

/**
 * The deterministic sequence of a plan: the same seed gives the same requests. Each fuzzed request
 * draws its category by weight; every `validEvery`-th request is a valid one with a checked answer.
 */
export function* fuzzCases(plan: FuzzPlan, ctx: FuzzContext): Generator<FuzzCase> {
  const rng = prng(plan.seed);
  const names = Object.keys(GENERATORS).filter((c) => !plan.skip?.includes(c));
  const weights = names.map((c) => WEIGHTS[c] ?? 1);
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < plan.n; i++) {
    if (i % plan.validEvery === 0) yield validCase(rng, ctx);
    let r = rng.next() * total;
    let k = 0;
    while (r >= weights[k]! && k < names.length - 1) r -= weights[k++]!;
    yield GENERATORS[names[k]!]!(rng, ctx);
  }
}
