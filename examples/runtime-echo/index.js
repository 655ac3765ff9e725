// An external runtime adapter, shipped as a package of plain JavaScript (what `npm start`, compiled, can
// import): `PLUGINS=./examples/runtime-echo` registers it, and a model whose config says "runtime": "echo"
// runs it in the gateway's worker threads, which import this module by its URL.
//
// Its "model file" is the version folder's model.json: {"width": 4, "scale": 2}. A session multiplies its
// input `x` (FP32 [-1, width]) by `scale` into `y`, and answers `thread` (INT32 [-1, 1]): the id of the
// thread that computed each row, so a test can see that it ran in a worker thread, not on the main one.
//
// It imports nothing from Massgate at run time: a package outside the gateway's own cannot resolve
// `massgate/plugin` (only code inside the repository can, by the package's own name). Errors are plain
// Errors with a `code` from Massgate's list (core/errors.ts) and the name 'GatewayError': that shape is
// what crosses the worker boundary and what the gateway recognises.
import { readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

/** The Massgate versions this package works with (npm semver range), checked when the gateway starts. */
export const massgate = '^0.1.0';

/** @param {string} code @param {string} message */
const gatewayError = (code, message) => Object.assign(new Error(message), { name: 'GatewayError', code });

/** @param {string} path @returns {{ width: number, scale: number }} */
function readModel(path) {
  let spec;
  try {
    spec = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw gatewayError('MODEL_LOAD_FAILED', `echo: cannot read ${path}: ${/** @type {Error} */ (e).message}`);
  }
  const { width, scale = 1 } = spec ?? {};
  if (!Number.isInteger(width) || width < 1 || width > 4096 || typeof scale !== 'number' || !Number.isFinite(scale)) {
    throw gatewayError('MODEL_LOAD_FAILED', 'echo: model.json must be {"width": 1..4096, "scale": <number>}');
  }
  return { width, scale };
}

/**
 * The runtime: `name` is what a model config's "runtime" names; `load(spec)` gets the version's model
 * file path (`spec.path`) and returns a session (see massgate/plugin's `Runtime` and `RuntimeSession`).
 * @type {import('massgate/plugin').Runtime}
 */
export const echoRuntime = {
  name: 'echo',
  async load(spec) {
    const { width, scale } = readModel(spec.path);
    let disposed = false;
    const outputs = [
      { name: 'y', datatype: /** @type {const} */ ('FP32'), shape: [-1, width] },
      { name: 'thread', datatype: /** @type {const} */ ('INT32'), shape: [-1, 1] },
    ];
    return {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, width] }],
      outputs,
      provider: 'js',
      async run(feeds, outputNames) {
        if (disposed) throw gatewayError('MODEL_NOT_READY', 'echo: the session was disposed');
        for (const name of Object.keys(feeds))
          if (name !== 'x') throw gatewayError('INVALID_INPUT', `echo: unknown input '${name}' (inputs: x)`);
        const x = feeds.x;
        if (!x) throw gatewayError('INVALID_INPUT', "echo: missing input 'x'");
        if (x.datatype !== 'FP32') throw gatewayError('INVALID_INPUT', `echo: input 'x' is FP32, not ${x.datatype}`);
        if (x.shape.length !== 2 || x.shape[1] !== width)
          throw gatewayError('INVALID_INPUT', `echo: input 'x' has shape [-1, ${width}], not [${x.shape}]`);
        const wanted = outputNames ?? outputs.map((o) => o.name);
        for (const name of wanted)
          if (!outputs.some((o) => o.name === name))
            throw gatewayError('INVALID_INPUT', `echo: unknown output '${name}'`);
        const rows = x.shape[0];
        const data = /** @type {Float32Array} */ (x.data);
        /** @type {Record<string, import('massgate/plugin').Tensor>} */
        const result = {};
        if (wanted.includes('y'))
          result.y = { name: 'y', datatype: 'FP32', shape: [rows, width], data: data.map((v) => v * scale) };
        if (wanted.includes('thread'))
          result.thread = {
            name: 'thread',
            datatype: 'INT32',
            shape: [rows, 1],
            data: new Int32Array(rows).fill(threadId),
          };
        return result;
      },
      async dispose() {
        disposed = true;
      },
    };
  },
};
