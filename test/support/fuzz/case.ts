import type { Media } from './media.ts';
import type { Rng } from './prng.ts';

/** One request the fuzzer sends. `check` (valid requests only) returns why the answer is wrong, or nothing. */
export interface FuzzCase {
  /** Group in the report, e.g. `v2.binary.header-length`. */
  category: string;
  /** What exactly was sent, short (e.g. `IHCL=0.5`): crashes are replayed and reported by it. */
  label: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A body, or chunks sent without a Content-Length (chunked). */
  body?: string | Buffer | { chunks: Buffer[] } | undefined;
  valid?: boolean;
  check?(status: number, body: Buffer): string | undefined;
  /** Statuses ≥ 500 that are a correct answer here (e.g. 503 from a `/ready` endpoint). */
  allow5xx?: number[] | undefined;
  /**
   * The statuses a hardened gateway answers (issue 11's minor defects); another one is an `unexpected-status` finding.
   */
  expect?: number[];
}

/** The models the fuzz store holds (see store.ts) and the payloads. */
export interface FuzzContext {
  media: Media;
  /** Real fixture files: a cat photo (nsfw: Neutral) and espeak speech / silence WAVs. */
  fixtures: { chelsea: Buffer; speech: Buffer; silence: Buffer };
}

export type Generator = (rng: Rng, ctx: FuzzContext) => FuzzCase;

export const JSON_TYPE = { 'content-type': 'application/json' };

/** A JSON POST case. */
export function post(
  category: string,
  label: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = JSON_TYPE,
): FuzzCase {
  return {
    category,
    label,
    method: 'POST',
    path,
    headers,
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  };
}

/** `depth` nested arrays (or objects) around `leaf`, built as text (JSON.stringify would recurse). */
export function nested(depth: number, leaf = '1', kind: 'array' | 'object' = 'array'): string {
  return kind === 'array'
    ? '['.repeat(depth) + leaf + ']'.repeat(depth)
    : '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** Model names no store holds and that no store should accept (`-x`, traversal, 8 KB, unicode…). */
export const HOSTILE_NAMES = [
  '-x',
  '--help',
  '..',
  '.',
  '...',
  '%2Fetc%2Fpasswd',
  '%2E%2E',
  '%2E%2E%2F%2E%2E%2Fetc',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  'a%00b',
  'x'.repeat(8192),
  'é'.repeat(300),
  '%F0%9F%92%A5',
  '%E2%80%AE',
  'CON',
  'nul',
  ' ',
  '%20',
  '.hidden',
  'a b',
  'x;rm -rf',
  '$(id)',
  '%25',
  '%',
  '%C0%AE%C0%AE',
  '\\..\\..',
  '~root',
  'lang-lande%2F..%2F..',
  'node_modules',
  '__proto__',
  'constructor',
  'prototype',
];

/** Version strings that are not versions (or not ones the store holds). */
export const HOSTILE_VERSIONS = [
  '-1',
  '0',
  '1.5',
  '1e3',
  '99999999999999999999',
  'latest',
  '..',
  '%2E%2E',
  'NaN',
  'Infinity',
  '0x1',
  ' 1',
  '1 ',
  '٣',
  'x'.repeat(4096),
  '__proto__',
];

/** A hostile name ready for a URL path segment: percent-encoded unless it already is, or is raw traversal. */
export function segment(rng: Rng): string {
  const n = rng.pick(HOSTILE_NAMES);
  if (n.includes('%') || n === '..' || n === '.' || n === '...') return n;
  return encodeURIComponent(n);
}
