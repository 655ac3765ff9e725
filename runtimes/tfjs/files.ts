import type * as tf from './tf.ts';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { GatewayError } from '../../core/errors.ts';
import { isInside } from '../../core/paths.ts';

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: { node?: unknown[] } & Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
  /** Graph models with hash tables initialise them from this sub-graph. */
  modelInitializer?: unknown;
}

interface ModelArtifacts {
  artifacts: tf.io.ModelArtifacts;
  kind: 'graph' | 'layers';
}

function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out.buffer;
}

/**
 * Reads a TensorFlow.js model from disk without fetch: a standard `model.json` with binary shards
 * (`format` 'tfjs'), or nsfwjs's packaging (`format` 'tfjs-minjs'): `model.min.js` exporting the
 * model JSON and `group1-shard*.min.js` files each exporting a base64 shard, concatenated in
 * manifest order. `path` is the folder or the model file.
 */
export function readArtifacts(path: string, format = 'tfjs'): ModelArtifacts {
  path = resolve(path);
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const minjs = format === 'tfjs-minjs' || path.endsWith('.min.js');
  const dir = isDir ? path : dirname(path);
  const file = isDir ? join(dir, minjs ? 'model.min.js' : 'model.json') : path;
  if (!existsSync(file)) throw new GatewayError('MODEL_LOAD_FAILED', `TensorFlow.js model file ${file} not found`);
  const require = createRequire(file);
  let json: ModelJson;
  try {
    json = minjs ? (require(file) as ModelJson) : (JSON.parse(readFileSync(file, 'utf8')) as ModelJson);
  } catch (e) {
    throw new GatewayError('MODEL_LOAD_FAILED', `cannot read ${basename(file)}: ${(e as Error).message}`, { cause: e });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest))
    throw new GatewayError(
      'MODEL_LOAD_FAILED',
      `${file} is not a TensorFlow.js model (no modelTopology/weightsManifest)`,
    );
  const shards: Uint8Array[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const shardPath = join(dir, minjs ? `${p}.min.js` : p);
      // A weights path must not lead out of the model's folder ('..', absolute, symlink): no file read or required from
      // elsewhere.
      if (typeof p !== 'string' || !existsSync(shardPath) || !isInside(realpathSync(dir), realpathSync(shardPath))) {
        throw new GatewayError(
          'MODEL_LOAD_FAILED',
          `weights file '${String(p).slice(0, 100)}' of ${basename(file)} is missing or outside the model folder`,
        );
      }
      const shard = minjs ? Buffer.from(require(shardPath) as string, 'base64') : readFileSync(shardPath);
      shards.push(shard);
    }
    weightSpecs.push(...group.weights);
  }
  const kind = json.format === 'graph-model' || Array.isArray(json.modelTopology.node) ? 'graph' : 'layers';
  return {
    kind,
    artifacts: {
      modelTopology: json.modelTopology,
      weightSpecs,
      weightData: concat(shards),
      // Only the fields model.json has: tf.io.ModelArtifacts marks them optional, not undefined.
      ...(json.format !== undefined ? { format: json.format } : {}),
      ...(json.generatedBy !== undefined ? { generatedBy: json.generatedBy } : {}),
      ...(json.convertedBy != null ? { convertedBy: json.convertedBy } : {}),
      ...(json.signature !== undefined ? { signature: json.signature as object } : {}),
      ...(json.userDefinedMetadata !== undefined
        ? { userDefinedMetadata: json.userDefinedMetadata as NonNullable<tf.io.ModelArtifacts['userDefinedMetadata']> }
        : {}),
      ...(json.modelInitializer !== undefined ? { modelInitializer: json.modelInitializer as object } : {}),
    },
  };
}
