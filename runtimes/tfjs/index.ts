import * as tf from '@tensorflow/tfjs';
import type { LoadSpec, Runtime, RuntimeSession } from '../runtime.ts';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import { fromUtf8, shapeMatches, utf8, type DataType, type Tensor, type TensorInfo } from '../../core/tensor.ts';
import { BACKENDS, initBackend } from './backend.ts';
import { readArtifacts } from './files.ts';

const TO_OIP: Record<string, DataType> = { float32: 'FP32', int32: 'INT32', bool: 'BOOL', string: 'BYTES', complex64: 'FP32' };
/** Datatypes TensorFlow.js lacks are converted: 64-bit and small integers to int32, FP64 to float32. */
const TO_TF: Partial<Record<DataType, tf.DataType>> = {
  FP32: 'float32', FP64: 'float32', INT32: 'int32', INT16: 'int32', INT8: 'int32', UINT8: 'int32', UINT16: 'int32',
  INT64: 'int32', BOOL: 'bool', BYTES: 'string',
};

function info(name: string, shape: readonly (number | null | undefined)[] | undefined, dtype: string | undefined): TensorInfo {
  return { name, datatype: TO_OIP[dtype ?? 'float32'] ?? 'FP32', shape: (shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
}

function toTf(t: Tensor, want: TensorInfo): tf.Tensor {
  const dtype = TO_TF[t.datatype];
  if (!dtype) throw invalidInput(`input '${t.name}': datatype ${t.datatype} is not supported by TensorFlow.js`);
  if (want.datatype !== 'BYTES' && dtype === 'string') throw invalidInput(`input '${t.name}': expected ${want.datatype}, got BYTES`);
  if (t.datatype === 'BYTES') return tf.tensor((t.data as Uint8Array[]).map(fromUtf8), t.shape, 'string');
  const data = t.datatype === 'INT64' || t.datatype === 'UINT64' ? Int32Array.from(t.data as BigInt64Array, Number) : t.data;
  return tf.tensor(data as Float32Array, t.shape, want.datatype === 'INT32' ? 'int32' : want.datatype === 'BOOL' ? 'bool' : dtype);
}

async function fromTf(name: string, t: tf.Tensor): Promise<Tensor> {
  const datatype = TO_OIP[t.dtype] ?? 'FP32';
  const values = await t.data();
  const data = datatype === 'BYTES'
    ? (values as unknown as Array<string | Uint8Array>).map((v) => (typeof v === 'string' ? utf8(v) : v))
    : datatype === 'BOOL' ? Uint8Array.from(values as Uint8Array) : values;
  return { name, datatype, shape: [...t.shape], data } as Tensor;
}

class TfjsSession implements RuntimeSession {
  readonly inputs: TensorInfo[];
  outputs: TensorInfo[];
  private disposed = false;
  /** Graph models with control flow need executeAsync; found out at warm-up. */
  private needsAsync = false;

  constructor(private readonly model: tf.GraphModel | tf.LayersModel, readonly provider: string) {
    if (model instanceof tf.GraphModel) {
      this.inputs = model.inputs.map((i) => info(i.name, i.shape, i.dtype));
      this.outputs = model.outputs.map((o) => info(o.name, o.shape, o.dtype));
    } else {
      this.inputs = model.inputs.map((i, k) => info(model.inputNames[k]!, i.shape, i.dtype));
      this.outputs = model.outputs.map((o, k) => info(model.outputNames[k]!, o.shape, o.dtype));
    }
  }

  async run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new GatewayError('MODEL_NOT_READY', 'the session was disposed');
    for (const name of Object.keys(feeds)) {
      if (!this.inputs.some((i) => i.name === name)) throw invalidInput(`unknown input '${name}' (inputs: ${this.inputs.map((i) => i.name).join(', ')})`);
    }
    const wanted = outputNames?.length ? [...outputNames] : this.outputs.map((o) => o.name);
    for (const name of wanted) {
      if (!this.outputs.some((o) => o.name === name)) throw invalidInput(`unknown output '${name}'`);
    }
    const inputs: tf.Tensor[] = [];
    let results: tf.Tensor[] = [];
    try {
      for (const want of this.inputs) {
        const t = feeds[want.name];
        if (!t) throw invalidInput(`missing input '${want.name}'`);
        if (!shapeMatches(want.shape, t.shape)) throw invalidInput(`input '${want.name}': shape [${t.shape.join(',')}] does not match [${want.shape.join(',')}]`);
        inputs.push(toTf(t, want));
      }
      if (this.model instanceof tf.GraphModel) {
        const named = Object.fromEntries(this.inputs.map((i, k) => [i.name, inputs[k]!]));
        let out: tf.Tensor | tf.Tensor[];
        try {
          out = this.needsAsync ? await this.model.executeAsync(named, wanted) : this.model.execute(named, wanted);
        } catch (e) {
          if (this.needsAsync || !/executeAsync/.test((e as Error).message)) throw e;
          this.needsAsync = true; // control flow or hash tables: found on the first run
          out = await this.model.executeAsync(named, wanted);
        }
        results = Array.isArray(out) ? out : [out];
      } else {
        const out = this.model.predict(inputs.length === 1 ? inputs[0]! : inputs);
        const all = Array.isArray(out) ? out : [out];
        const names = this.outputs.map((o) => o.name);
        results = wanted.map((w) => all[names.indexOf(w)]!);
        for (const t of all) if (!results.includes(t)) t.dispose();
      }
      const out: Record<string, Tensor> = {};
      for (let k = 0; k < wanted.length; k++) out[wanted[k]!] = await fromTf(wanted[k]!, results[k]!);
      return out;
    } catch (e) {
      if (e instanceof GatewayError) throw e;
      throw new GatewayError('INFERENCE_FAILED', `TensorFlow.js: ${(e as Error).message}`, { cause: e });
    } finally {
      tf.dispose(inputs);
      tf.dispose(results);
    }
  }

  /**
   * One run on zeros (batch 1) where the input shapes are known: compiles kernels before the first
   * request, tells whether the graph needs executeAsync, and fills in output shapes the model file
   * leaves out (reported with a dynamic batch dimension).
   */
  async warmUp(): Promise<void> {
    if (this.inputs.some((i) => i.shape.slice(1).some((d) => d < 0))) return;
    const feeds = Object.fromEntries(this.inputs.map((i) => {
      const shape = [1, ...i.shape.slice(1)];
      const size = shape.reduce((a, b) => a * b, 1);
      const data = i.datatype === 'BYTES' ? Array.from({ length: size }, () => utf8('warm-up'))
        : i.datatype === 'FP32' ? new Float32Array(size) : i.datatype === 'BOOL' ? new Uint8Array(size) : new Int32Array(size);
      return [i.name, { name: i.name, datatype: i.datatype, shape, data } as Tensor];
    }));
    const out = await this.run(feeds);
    this.outputs = this.outputs.map((o) => (o.shape.length ? o : { ...o, shape: [-1, ...out[o.name]!.shape.slice(1)] }));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}

/**
 * TensorFlow.js adapter: graph and layers models from disk (model.json + shards, or nsfwjs's .min.js
 * packaging). Backend: `spec.providers` in order, by default tfjs-node-gpu → tfjs-node → wasm → cpu,
 * the first that initialises; `session.provider` names the one in use.
 */
export const tfjsRuntime: Runtime = {
  name: 'tfjs',
  async load(spec: LoadSpec): Promise<RuntimeSession> {
    const provider = await initBackend(spec.providers?.length ? spec.providers : BACKENDS);
    // Some converted graph models (vscode-languagedetection) only run with this flag on; each worker
    // thread holds one model, so setting it here affects that model alone.
    if (spec.options?.keepIntermediateTensors === true) tf.env().set('KEEP_INTERMEDIATE_TENSORS', true);
    const { artifacts, kind } = readArtifacts(spec.path, spec.format);
    const handler = tf.io.fromMemory(artifacts);
    try {
      const model = kind === 'graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
      const session = new TfjsSession(model, provider);
      await session.warmUp();
      return session;
    } catch (e) {
      throw new GatewayError('MODEL_LOAD_FAILED', `TensorFlow.js could not load ${spec.path}: ${(e as Error).message}`, { cause: e });
    }
  },
};
