import { afterAll, describe, expect, it } from 'vitest';
import { isGatewayError } from '../core/errors.ts';
import { elementCount, numbers, shapeMatches, sliceRows, utf8, type Tensor } from '../core/tensor.ts';
import type { RuntimeSession } from './runtime.ts';

export interface RuntimeConformanceOptions {
  /** Loads a fresh session of the model under test. */
  load: () => Promise<RuntimeSession>;
  /** Valid feeds with `batch` rows, each row different. */
  feeds: (batch: number) => Record<string, Tensor>;
  /** Tolerance when comparing a batched run with single runs (floating point). */
  tolerance?: number;
}

/**
 * The suite every runtime adapter passes (vitest `describe`/`it` inside): load, metadata (names,
 * datatypes, -1 for dynamic dimensions), runs at batch 1 and 3 whose rows equal single runs, output
 * selection, refusal of unknown inputs with a GatewayError and of a feed of another datatype with
 * INVALID_INPUT, dispose twice, and no run after dispose.
 *
 * @example runtimeConformance('onnx', { load: () => onnxRuntime.load({ path }), feeds: (b) => ({ x: … }) });
 */
export function runtimeConformance(name: string, o: RuntimeConformanceOptions): void {
  describe(`runtime conformance: ${name}`, () => {
    let shared: Promise<RuntimeSession> | undefined;
    const session = () => (shared ??= o.load());
    afterAll(async () => (await shared)?.dispose());

    it('loads and describes its inputs and outputs', async () => {
      const s = await session();
      expect(s.provider).toEqual(expect.any(String));
      expect(s.inputs.length).toBeGreaterThan(0);
      expect(s.outputs.length).toBeGreaterThan(0);
      for (const t of [...s.inputs, ...s.outputs]) {
        expect(t.name).toEqual(expect.any(String));
        expect(t.shape.every((d) => Number.isInteger(d) && d >= -1)).toBe(true);
      }
      const feeds = o.feeds(1);
      for (const i of s.inputs) expect(shapeMatches(i.shape, feeds[i.name]!.shape), `feed ${i.name}`).toBe(true);
    });

    it('runs a batch whose rows equal single runs', async () => {
      const s = await session();
      const batch = await s.run(o.feeds(3));
      const rows = o.feeds(3);
      for (let r = 0; r < 3; r++) {
        const single = await s.run(
          Object.fromEntries(Object.entries(rows).map(([k, t]) => [k, sliceRows(t, r, r + 1)])),
        );
        for (const [k, t] of Object.entries(single)) {
          const part = sliceRows(batch[k]!, r, r + 1);
          expect(part.shape).toEqual(t.shape);
          const a = numbers(part);
          numbers(t).forEach((v, i) => {
            expect(Math.abs(v - a[i]!)).toBeLessThanOrEqual(o.tolerance ?? 1e-4);
          });
        }
      }
      for (const out of s.outputs) {
        const t = batch[out.name]!;
        expect(t.datatype).toBe(out.datatype);
        expect(elementCount(t.shape)).toBe(t.data.length);
        expect(t.shape[0]).toBe(3);
      }
    });

    it('returns only the outputs asked for', async () => {
      const s = await session();
      const first = s.outputs[0]!.name;
      expect(Object.keys(await s.run(o.feeds(1), [first]))).toEqual([first]);
    });

    it('refuses an unknown input with a GatewayError', async () => {
      const s = await session();
      const feeds = o.feeds(1);
      const [k, t] = Object.entries(feeds)[0]!;
      const bad = { ...feeds, [`${k}_nope`]: { ...t, name: `${k}_nope` } };
      await expect(s.run(bad)).rejects.toSatisfy(isGatewayError);
    });

    it('refuses a feed of another datatype with INVALID_INPUT', async () => {
      const s = await session();
      const feeds = o.feeds(1);
      const [k, t] = Object.entries(feeds)[0]!;
      const n = elementCount(t.shape);
      const bad: Tensor =
        t.datatype === 'BYTES'
          ? { name: k, datatype: 'FP32', shape: t.shape, data: new Float32Array(n) }
          : { name: k, datatype: 'BYTES', shape: t.shape, data: Array.from({ length: n }, () => utf8('0')) };
      await expect(s.run({ ...feeds, [k]: bad })).rejects.toSatisfy(
        (e) => isGatewayError(e) && e.code === 'INVALID_INPUT',
      );
    });

    it('disposes twice without error and refuses to run afterwards', async () => {
      const s = await o.load();
      await s.dispose();
      await s.dispose();
      await expect(s.run(o.feeds(1))).rejects.toSatisfy(isGatewayError);
    });
  });
}
