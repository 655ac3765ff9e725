import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../../core/tensor.ts';
import { NGRAM_OUTPUT } from '../../runtimes/ngram/index.ts';
import { loadInWorker } from '../../runtimes/worker/index.ts';
import { cancelled } from '../finetune/lifecycle.ts';
import type { Features } from '../finetune/features.ts';
import type { ArchitectureStudent } from './student.ts';

/** Items featurized per round trip to the thread. */
const SLICE = 64;

/**
 * Features of a char-ngram student that does not exist yet: its featurizer (the `ngram` runtime, the code
 * that will serve it) is loaded in a worker thread of its own at the training thread's priority, the
 * items (texts, as the reading plugin parsed them) go through it a slice at a time, and the thread ends.
 * `onProgress` hears the items done; `signal` cancels between slices.
 */
export async function ngramFeatures(
  student: ArchitectureStudent,
  items: readonly unknown[],
  o: { signal: AbortSignal; nice: number; onProgress(done: number): void },
): Promise<Features> {
  const dir = mkdtempSync(join(tmpdir(), 'massgate-ngram-'));
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify(student.spec));
  const session = await loadInWorker({ runtime: 'ngram', spec: { path }, nice: o.nice, idle: true });
  try {
    const { plugin, ctx } = student.reader;
    const width = student.spec.buckets;
    const data = new Float32Array(items.length * width);
    for (let i = 0; i < items.length; i += SLICE) {
      if (o.signal.aborted) throw cancelled();
      const feeds = await plugin.preprocess(items.slice(i, i + SLICE), ctx);
      const text: Tensor = { ...Object.values(feeds)[0]!, name: 'text' };
      const out = await session.run({ text }, [NGRAM_OUTPUT]);
      data.set(out[NGRAM_OUTPUT]!.data as Float32Array, i * width);
      o.onProgress(Math.min(items.length, i + SLICE));
    }
    return { data, shape: [width] };
  } finally {
    await session.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
