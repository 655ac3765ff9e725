import * as ort from 'onnxruntime-node';
import type { Runtime, RuntimeSession, LoadSpec } from '../runtime.ts';
import type { Tensor, TensorInfo } from '../../core/tensor.ts';
import { fromUtf8, tensor, utf8 } from '../../core/tensor.ts';
import { checkFeeds } from '../../core/feeds.ts';
import { GatewayError } from '../../core/errors.ts';
import { firstThatLoads } from '../providers.ts';
import { fromOrtType, toOrtType } from './dtypes.ts';
import { log } from '../../core/log.ts';

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] {
  return meta.map((m) => {
    if (!m.isTensor)
      throw new GatewayError('MODEL_LOAD_FAILED', `value '${m.name}' is not a tensor; only tensor models are served`);
    return {
      name: m.name,
      datatype: fromOrtType(m.type),
      shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
    };
  });
}

function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(toOrtType(t.datatype), t.datatype === 'BYTES' ? t.data.map(fromUtf8) : t.data, t.shape);
}

function fromOrt(name: string, t: ort.Tensor): Tensor {
  const datatype = fromOrtType(t.type);
  const data = Array.isArray(t.data) ? t.data.map((s) => utf8(String(s))) : t.data;
  return tensor(name, datatype, [...t.dims], data);
}

class OnnxSession implements RuntimeSession {
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  private disposed = false;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: string,
  ) {
    this.inputs = describe(session.inputMetadata);
    this.outputs = describe(session.outputMetadata);
  }

  async run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new GatewayError('MODEL_NOT_READY', 'the session was disposed');
    checkFeeds(this.inputs, feeds);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
    let result: ort.InferenceSession.ReturnType;
    try {
      result = outputNames ? await this.session.run(ortFeeds, [...outputNames]) : await this.session.run(ortFeeds);
    } catch (e) {
      throw new GatewayError('INFERENCE_FAILED', `onnxruntime: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(result)) out[name] = fromOrt(name, t);
    return out;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}

/**
 * Loads an ONNX model, from its file or from its bytes (a graph built in memory, such as the one
 * runtimes/faceapi rebuilds from weights: nothing is written to disk). Execution providers are tried in
 * `spec.providers`' order, `cpu` by default; the other options are the adapter's (see onnxRuntime).
 *
 * @example
 * const session = await loadOnnx(buildModel({ ... }), { path: 'face-api weights', options: { intraOpNumThreads: 1 } });
 */
export async function loadOnnx(model: string | Uint8Array, spec: LoadSpec): Promise<RuntimeSession> {
  const providers = spec.providers?.length ? spec.providers : ['cpu'];
  const threads = spec.options?.intraOpNumThreads;
  // Spinning intra-op threads burn CPU the HTTP thread and other instances need; off unless asked for.
  const spinning = spec.options?.allowSpinning === true ? '1' : '0';
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(typeof threads === 'number' ? { intraOpNumThreads: threads } : {}),
    extra: { session: { intra_op: { allow_spinning: spinning }, inter_op: { allow_spinning: spinning } } },
  };
  const { value, provider } = await firstThatLoads(
    providers,
    // Two calls, not one: create() is overloaded (a path, or bytes), and a union matches neither.
    (p) =>
      typeof model === 'string'
        ? ort.InferenceSession.create(model, { ...options, executionProviders: [p] })
        : ort.InferenceSession.create(model, { ...options, executionProviders: [p] }),
    (p, e) =>
      log.warn('onnx provider unavailable, trying the next', { provider: p, model: spec.path, error: String(e) }),
  );
  return new OnnxSession(value, provider);
}

/**
 * onnxruntime-node adapter. Execution providers are tried in the configured order (onnxruntime-node
 * itself does not fall back: `['webgpu','cpu']` throws where WebGPU is absent), `cpu` by default.
 * `options.intraOpNumThreads` sets the threads one session uses; `options.allowSpinning` lets idle
 * pool threads spin (off by default: on a shared machine spinning steals the event loop's CPU).
 */
export const onnxRuntime: Runtime = {
  name: 'onnx',
  load: (spec: LoadSpec): Promise<RuntimeSession> => loadOnnx(spec.path, spec),
};
