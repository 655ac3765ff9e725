import * as tf from './tf.ts';
import type { LoadSpec, Runtime, RuntimeSession } from '../runtime.ts';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import {
  floats,
  fromUtf8,
  numbers,
  tensor,
  utf8,
  type DataType,
  type Tensor,
  type TensorInfo,
} from '../../core/tensor.ts';
import { checkFeeds } from '../../core/feeds.ts';
import { BACKENDS, initBackend } from './backend.ts';
import { readArtifacts } from './files.ts';

const TO_OIP: Record<string, DataType> = {
  float32: 'FP32',
  int32: 'INT32',
  bool: 'BOOL',
  string: 'BYTES',
  complex64: 'FP32',
};
/** Datatypes TensorFlow.js lacks are converted: 64-bit and small integers to int32, FP64 to float32. */
const TO_TF: Partial<Record<DataType, tf.DataType>> = {
  FP32: 'float32',
  FP64: 'float32',
  INT32: 'int32',
  INT16: 'int32',
  INT8: 'int32',
  UINT8: 'int32',
  UINT16: 'int32',
  INT64: 'int32',
  BOOL: 'bool',
  BYTES: 'string',
};

function info(
  name: string,
  shape: readonly (number | null | undefined)[] | undefined,
  dtype: string | undefined,
): TensorInfo {
  return {
    name,
    datatype: TO_OIP[dtype ?? 'float32'] ?? 'FP32',
    shape: (shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
  };
}

/** TensorFlow.js converts numeric datatypes it lacks; text stays text. */
const convertible = (given: DataType, declared: DataType) =>
  TO_TF[given] !== undefined && (given === 'BYTES') === (declared === 'BYTES');

function toTf(t: Tensor, want: TensorInfo): tf.Tensor {
  if (t.datatype === 'BYTES') return tf.tensor(t.data.map(fromUtf8), t.shape, 'string');
  const dtype = want.datatype === 'INT32' ? 'int32' : want.datatype === 'BOOL' ? 'bool' : TO_TF[t.datatype]!;
  // TensorFlow.js takes Float32Array, Int32Array and Uint8Array: other buffers are converted by value.
  const data =
    t.datatype === 'FP32' || t.datatype === 'INT32' || t.datatype === 'BOOL'
      ? t.data
      : dtype === 'float32'
        ? floats(t)
        : Int32Array.from(numbers(t));
  return tf.tensor(data, t.shape, dtype);
}

async function fromTf(name: string, t: tf.Tensor): Promise<Tensor> {
  const shape = [...t.shape];
  switch (t.dtype) {
    // Strings come back as UTF-8 bytes in Node (typed as strings).
    case 'string':
      return tensor(
        name,
        'BYTES',
        shape,
        (await t.data<'string'>()).map((v: string | Uint8Array) => (typeof v === 'string' ? utf8(v) : v)),
      );
    case 'int32':
      return tensor(name, 'INT32', shape, await t.data<'int32'>());
    case 'bool':
      return tensor(name, 'BOOL', shape, Uint8Array.from(await t.data<'bool'>()));
    default:
      return tensor(name, 'FP32', shape, await t.data<'float32'>()); // float32 (complex64 read as its floats)
  }
}

/** Most sub-models (one per distinct set of requested outputs) a layers session keeps built. */
const MAX_SUB_MODELS = 16;

class TfjsSession implements RuntimeSession {
  readonly inputs: TensorInfo[];
  outputs: TensorInfo[];
  private disposed = false;
  /** Graph models with control flow need executeAsync; found out at warm-up. */
  private needsAsync = false;
  /** Layers models: sub-models that output internal layers, by the output list they were built for. */
  private readonly subModels = new Map<string, tf.LayersModel>();

  /** `nodes`: a graph model's node names, which `run` accepts as internal outputs. */
  constructor(
    private readonly model: tf.GraphModel | tf.LayersModel,
    readonly provider: string,
    private readonly nodes: ReadonlySet<string> = new Set(),
  ) {
    if (model instanceof tf.GraphModel) {
      this.inputs = model.inputs.map((i) => info(i.name, i.shape, i.dtype));
      this.outputs = model.outputs.map((o) => info(o.name, o.shape, o.dtype));
    } else {
      this.inputs = model.inputs.map((i, k) => info(model.inputNames[k]!, i.shape, i.dtype));
      this.outputs = model.outputs.map((o, k) => info(model.outputNames[k]!, o.shape, o.dtype));
    }
  }

  /** True for a declared output, a layer name (layers models) or a node name, with or without `:k` (graph models). */
  private knows(name: string): boolean {
    if (this.outputs.some((o) => o.name === name)) return true;
    if (this.model instanceof tf.GraphModel) return this.nodes.has(name.replace(/:\d+$/, ''));
    return this.model.layers.some((l) => l.name === name);
  }

  /**
   * A layers model answering `wanted` (declared outputs and internal layers' outputs, in that order),
   * built once per distinct list. Sub-models share the model's layers and weights: they are never
   * disposed themselves (that would free the shared weights); the model's dispose frees everything.
   */
  private subModel(model: tf.LayersModel, wanted: readonly string[]): tf.LayersModel {
    const key = wanted.join('\n');
    let sub = this.subModels.get(key);
    if (!sub) {
      const outputs = wanted.map((w) => {
        const k = model.outputNames.indexOf(w);
        if (k >= 0) return model.outputs[k]!;
        const out = model.getLayer(w).output;
        return Array.isArray(out) ? out[0]! : out;
      });
      sub = tf.model({ inputs: model.inputs, outputs });
      if (this.subModels.size >= MAX_SUB_MODELS) this.subModels.delete(this.subModels.keys().next().value!);
      this.subModels.set(key, sub);
    }
    return sub;
  }

  async run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new GatewayError('MODEL_NOT_READY', 'the session was disposed');
    checkFeeds(this.inputs, feeds, convertible);
    const wanted = outputNames?.length ? [...new Set(outputNames)] : this.outputs.map((o) => o.name);
    for (const name of wanted) {
      if (!this.knows(name)) {
        const internal = this.model instanceof tf.GraphModel ? 'a node name' : 'a layer name';
        throw invalidInput(
          `unknown output '${String(name).slice(0, 200)}' (outputs: ${this.outputs.map((o) => o.name).join(', ')}, or ${internal} of the model)`,
        );
      }
    }
    const inputs: tf.Tensor[] = [];
    let results: tf.Tensor[] = [];
    try {
      for (const want of this.inputs) {
        inputs.push(toTf(feeds[want.name]!, want));
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
      } else if (!wanted.every((w) => this.outputs.some((o) => o.name === w))) {
        // Internal outputs (a layer's): a sub-model ending at those layers.
        const out = this.subModel(this.model, wanted).predict(inputs.length === 1 ? inputs[0]! : inputs);
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
    const feeds = Object.fromEntries(
      this.inputs.map((i) => {
        const shape = [1, ...i.shape.slice(1)];
        const size = shape.reduce((a, b) => a * b, 1);
        const data =
          i.datatype === 'BYTES'
            ? Array.from({ length: size }, () => utf8('warm-up'))
            : i.datatype === 'FP32'
              ? new Float32Array(size)
              : i.datatype === 'BOOL'
                ? new Uint8Array(size)
                : new Int32Array(size);
        return [i.name, tensor(i.name, i.datatype, shape, data)];
      }),
    );
    const out = await this.run(feeds);
    this.outputs = this.outputs.map((o) =>
      o.shape.length ? o : { ...o, shape: [-1, ...out[o.name]!.shape.slice(1)] },
    );
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.subModels.clear();
    this.model.dispose();
  }
}

/** The node names of a graph model's topology (the outputs `run` may ask for besides the declared ones). */
function graphNodes(topology: unknown): Set<string> {
  const nodes = (topology as { node?: Array<{ name?: unknown }> } | undefined)?.node ?? [];
  return new Set(nodes.map((n) => n.name).filter((n): n is string => typeof n === 'string'));
}

/**
 * TensorFlow.js adapter: graph and layers models from disk (model.json + shards, or nsfwjs's .min.js
 * packaging). Backend: `spec.providers` in order, by default tfjs-node-gpu → tfjs-node → wasm → cpu,
 * the first that initialises; `session.provider` names the one in use.
 *
 * `run(feeds, names)` also answers internal tensors: a layer name of a layers model (e.g. nsfwjs's
 * `flatten_1`, via a sub-model built once per distinct output list), a node name of a graph model
 * (`StatefulPartitionedCall/model_1/add_2/add`, with or without `:0`), alongside the declared outputs
 * or not. The declared `outputs` do not change; an unknown name is INVALID_INPUT.
 *
 * @example
 * const s = await tfjsRuntime.load({ path: 'nsfwjs/dist/models/mobilenet_v2', format: 'tfjs-minjs' });
 * const { flatten_1 } = await s.run({ input_1: image }, ['flatten_1']); // [N, 1280]
 */
export const tfjsRuntime: Runtime = {
  name: 'tfjs',
  async load(spec: LoadSpec): Promise<RuntimeSession> {
    const provider = await initBackend(spec.providers?.length ? spec.providers : BACKENDS);
    // Some converted graph models (vscode-languagedetection) only run with this flag on; each worker
    // thread holds one model, so setting it here affects that model alone. Set without its hook, which prints "Keep
    // intermediate tensors is ON. This will print the values of all intermediate tensors…": in this tfjs the flag
    // prints nothing, it makes each run keep a clone of every intermediate tensor until the next run (memory, and a
    // little time, on a small text model).
    if (spec.options?.keepIntermediateTensors === true)
      tf.env().setFlags({ ...tf.env().getFlags(), KEEP_INTERMEDIATE_TENSORS: true });
    const { artifacts, kind } = readArtifacts(spec.path, spec.format);
    const handler = tf.io.fromMemory(artifacts);
    try {
      const model = kind === 'graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
      const nodes = kind === 'graph' ? graphNodes(artifacts.modelTopology) : undefined;
      const session = new TfjsSession(model, provider, nodes);
      await session.warmUp();
      return session;
    } catch (e) {
      throw new GatewayError(
        'MODEL_LOAD_FAILED',
        `TensorFlow.js could not load ${spec.path}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  },
};
