import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempStore, writeModel, scaleSumModel } from '../../test/support/tiny-models.ts';
import { percentile } from '../../core/percentile.ts';
import { buildOnce } from '../lib/processes.ts';
import type { Report, ReportRow } from '../lib/report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STARTS = 12;

/**
 * One child process that starts `STARTS` inference workers one after another (each loads a tiny ONNX
 * model and answers `loaded`; then it is disposed) and prints each start's milliseconds, from the call
 * to the `loaded` message. `module` is runtimes/worker/index (compiled or TypeScript); `flags` the
 * child's Node flags. A plain worker (no runtime, no imports) is timed the same way as the floor.
 */
function startTimes(flags: string[], module: string, model: string): { runtime: number[]; plain: number[] } {
  const code = `
    import { Worker } from 'node:worker_threads';
    const { loadInWorker } = await import(${JSON.stringify(module)});
    const runtime = [], plain = [];
    for (let i = 0; i < ${STARTS}; i++) {
      const t0 = performance.now();
      const session = await loadInWorker({ runtime: 'onnx', spec: { path: ${JSON.stringify(model)}, options: { intraOpNumThreads: 1 } } });
      runtime.push(performance.now() - t0);
      await session.dispose();
      const t1 = performance.now();
      const w = new Worker("require('node:worker_threads').parentPort.postMessage(1)", { eval: true });
      await new Promise((r) => w.once('message', r));
      plain.push(performance.now() - t1);
      await w.terminate();
    }
    process.stdout.write(JSON.stringify({ runtime, plain }));`;
  // A file, not `-e`: worker threads inherit the process's flags, and `--input-type` would break them.
  const file = join(mkdtempSync(join(tmpdir(), 'massgate-worker-start-')), 'run.mjs');
  writeFileSync(file, code);
  const out = execFileSync(process.execPath, [...flags, file], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as { runtime: number[]; plain: number[] };
}

const row = (label: string, ms: number[], note: string): ReportRow => {
  const p50 = percentile(ms, 50);
  return {
    label,
    throughput: 1000 / p50,
    unit: 'starts/s',
    p50Ms: p50,
    p99Ms: Math.max(...ms),
    note: `${note}; first ${ms[0]!.toFixed(0)} ms; the p99 column is the slowest`,
  };
};

/**
 * How long an inference worker thread takes to start and load a model: compiled (`npm start`: plain
 * JavaScript from dist/, no loader) against the TypeScript sources under tsx (how `npm start` ran
 * before: `--import tsx`, and a worker that registers tsx again and transpiles its modules). Each mode
 * runs in its own child process, one worker at a time.
 */
export async function workerStart(): Promise<Report> {
  buildOnce();
  const store = tempStore();
  writeModel(store, 'tiny', 1, scaleSumModel());
  const model = join(store, 'tiny', '1', 'model.onnx');
  const compiled = startTimes(['--single-threaded-gc'], join(ROOT, 'dist/runtimes/worker/index.js'), model);
  const sources = startTimes(
    ['--single-threaded-gc', '--import', 'tsx'],
    join(ROOT, 'runtimes/worker/index.ts'),
    model,
  );
  const p50 = (ms: number[]) => percentile(ms, 50);
  return {
    scenario: 'worker-start',
    command: 'npm run load -- worker-start',
    rows: [
      row('(a) compiled (dist/, plain Node)', compiled.runtime, `${STARTS} starts, tiny ONNX model`),
      row('(b) TypeScript sources under tsx', sources.runtime, `${STARTS} starts, tiny ONNX model`),
      row('(c) plain worker, compiled process', compiled.plain, 'no imports: the floor'),
      row(
        '(d) plain worker, process under --import tsx',
        sources.plain,
        'no imports, but the thread inherits --import tsx',
      ),
    ],
    ratios: {
      'start time, sources under tsx / compiled (p50)': p50(sources.runtime) / p50(compiled.runtime),
    },
  };
}
