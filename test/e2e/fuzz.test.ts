import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startChildGateway, type ChildGateway } from '../support/fuzz/child.ts';
import { fuzzCases, fuzzContext } from '../support/fuzz/index.ts';
import { runFuzz, type FuzzResult } from '../support/fuzz/runner.ts';
import { fuzzStore } from '../support/fuzz/store.ts';
import { summary } from '../support/fuzz/summary.ts';

// The suite runs 10,000 (about 30 s on the 2-core machine); `npm run load -- fuzz` runs the same with a
// report (FUZZ_N sets either).
const N = Number(process.env.FUZZ_N ?? 10_000);
// A fixed seed keeps CI reproducible; `npm run load -- fuzz` draws a new one each run to explore
// (FUZZ_SEED=random here does the same).
const SEED =
  process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20261123);
const SKIP = (process.env.FUZZ_SKIP ?? '').split(',').filter(Boolean);
const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/**
 * Issue 11's "must show": ≥ 10,000 malformed requests across every endpoint and modality (seeded,
 * FUZZ_SEED replays a run), valid requests interleaved and checked, against the real gateway in its
 * own process (a crash is a crash, and its memory is its own). A crashed process is restarted so that
 * the whole list of findings is reported, but any crash fails the test.
 */
describe(`fuzzing the gateway (seed ${SEED}, ${N} requests)`, () => {
  let gw: ChildGateway;
  let store: string;
  let result: FuzzResult;
  beforeAll(async () => {
    store = fuzzStore();
    gw = await startChildGateway({ MODEL_STORE: store, BODY_LIMIT_MB: '2' });
    const ctx = await fuzzContext();
    process.stdout.write(`fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${N} requests\n`);
    result = await runFuzz(gw, fuzzCases({ seed: SEED, n: N, validEvery: 20, skip: SKIP }, ctx), {
      concurrency: 16,
      timeoutMs: 20_000,
      readyEvery: 250,
      secrets: [store, ROOT],
      sampleMs: 1000,
    });
    process.stdout.write(summary(result, SEED));
    if (process.env.FUZZ_OUT) writeFileSync(process.env.FUZZ_OUT, JSON.stringify({ seed: SEED, ...result }, null, 1));
  }, 600_000);
  afterAll(async () => {
    await gw?.stop();
    if (store) rmSync(store, { recursive: true, force: true });
  });

  const kinds = (k: string) =>
    result.findings
      .filter((f) => f.kind === k)
      .map((f) => `${f.count}× ${f.category} ${f.label}: ${f.detail.slice(0, 120)}`);

  it('the process never exits', () => {
    expect(kinds('crash')).toEqual([]);
    expect(gw.alive()).toBe(true);
  });

  it('no answer is a 5xx, and no connection is reset or left without an answer', () => {
    expect(kinds('server-error')).toEqual([]);
    expect([...kinds('reset'), ...kinds('timeout'), ...kinds('other')]).toEqual([]);
  });

  it('no answer leaks a stack trace or a server path', () => {
    expect(kinds('leak')).toEqual([]);
  });

  it('every valid request interleaved with the fuzz is answered correctly', () => {
    expect(result.valid.sent).toBeGreaterThanOrEqual(Math.floor(N / 20));
    expect(kinds('wrong-answer')).toEqual([]);
  });

  it('stays live and ready throughout', async () => {
    expect((await fetch(`${gw.url}/v2/health/live`)).status).toBe(200);
    expect(result.readiness.notReady).toBe(0);
    expect((await fetch(`${gw.url}/v2/health/ready`)).status).toBe(200);
  });

  it("issue 11's minor defects: 405 for a wrong method, 415 (or a decoded body) for odd types and encodings, 413 for oversize bodies, chunked too", () => {
    expect(kinds('unexpected-status')).toEqual([]);
  });

  it('resident memory grows by less than 300 MB', () => {
    expect(result.rss.endMB - result.rss.startMB).toBeLessThan(300);
  });
});
