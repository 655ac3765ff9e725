import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../core/errors.ts';
import { ModelConfigSchema, VersionSourceSchema, type ModelConfig, type PackageFile, type VersionPolicy } from './schema.ts';
import { resolvePackageFile } from './package-file.ts';

/** One version folder and the model file found in it. */
export interface VersionEntry {
  version: number;
  dir: string;
  /** Absolute path of the model file (or TensorFlow.js folder/model.json). */
  path: string;
  /** Loader hint ('onnx', 'tfjs-graph', 'tfjs-minjs'…). */
  format: string;
  /** The package the file came from, when it ships in one. */
  source?: PackageFile;
}

/** One model folder of the store. */
export interface ModelEntry {
  name: string;
  dir: string;
  config: ModelConfig;
  /** Every version folder, newest first (before the version policy). */
  versions: VersionEntry[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function fail(model: string, message: string, cause?: unknown): never {
  throw new GatewayError('CONFIG_INVALID', `model '${model}': ${message}`, { cause });
}

function readJson(path: string, model: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(model, `${path} is not valid JSON (${(e as Error).message})`, e);
  }
}

/** Finds the model file of a version folder: model.onnx, model.json (TensorFlow.js) or source.json (a package file). */
function findModelFile(model: string, dir: string): Pick<VersionEntry, 'path' | 'format' | 'source'> {
  const onnx = join(dir, 'model.onnx');
  if (existsSync(onnx)) return { path: onnx, format: 'onnx' };
  const tfjs = join(dir, 'model.json');
  if (existsSync(tfjs)) return { path: tfjs, format: 'tfjs' };
  const sourceFile = join(dir, 'source.json');
  if (existsSync(sourceFile)) {
    const parsed = VersionSourceSchema.safeParse(readJson(sourceFile, model));
    if (!parsed.success) fail(model, `${sourceFile}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const path = resolvePackageFile(parsed.data);
    const format = parsed.data.format ?? (path.endsWith('.onnx') ? 'onnx' : 'tfjs');
    return { path, format, source: parsed.data };
  }
  fail(model, `version folder ${dir} has no model.onnx, model.json or source.json`);
}

/** Parses `<store>/<model>/config.json` (defaults when absent). */
export function readModelConfig(name: string, dir: string): ModelConfig {
  const file = join(dir, 'config.json');
  const raw = existsSync(file) ? readJson(file, name) : {};
  const parsed = ModelConfigSchema.safeParse(raw);
  if (!parsed.success) fail(name, `config.json: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Reads one model folder: its config and its numeric version folders. */
export function scanModel(store: string, name: string): ModelEntry {
  if (!NAME.test(name)) fail(name, 'model names use letters, digits, _ . and -');
  const dir = join(store, name);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new GatewayError('MODEL_NOT_FOUND', `model '${name}' is not in the repository`);
  const config = readModelConfig(name, dir);
  const numbered = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^[1-9][0-9]*$/.test(d.name))
    .map((d) => ({ version: Number(d.name), dir: join(dir, d.name) }));
  // An ensemble has no model file: its versions are its folders, or version 1 when it has none.
  const versions: VersionEntry[] = config.ensemble
    ? (numbered.length ? numbered : [{ version: 1, dir }]).map((v) => ({ ...v, path: '', format: 'ensemble' }))
    : numbered.map((v) => ({ ...v, ...findModelFile(name, v.dir) }));
  versions.sort((a, b) => b.version - a.version);
  if (versions.length === 0) fail(name, 'no numeric version folder (e.g. 1/model.onnx)');
  return { name, dir, config, versions };
}

/** Names of the model folders in a store. */
export function listModels(store: string): string[] {
  if (!existsSync(store)) throw new GatewayError('CONFIG_INVALID', `model store ${store} does not exist`);
  return readdirSync(store, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

/** The versions a policy serves, newest first (Triton's latest / specific / all). */
export function selectVersions(entry: ModelEntry, policy: VersionPolicy = entry.config.versionPolicy): VersionEntry[] {
  if ('latest' in policy) return entry.versions.slice(0, policy.latest.numVersions);
  if ('specific' in policy) {
    const chosen = entry.versions.filter((v) => policy.specific.versions.includes(v.version));
    const missing = policy.specific.versions.filter((v) => !chosen.some((c) => c.version === v));
    if (missing.length) fail(entry.name, `version policy names missing versions ${missing.join(', ')}`);
    return chosen;
  }
  return entry.versions;
}

/** Reads the labels a config names (list, file beside config.json, or package file). */
export function readLabels(entry: ModelEntry): string[] | undefined {
  const labels = entry.config.labels;
  if (labels === undefined || Array.isArray(labels)) return labels;
  const path = typeof labels === 'string' ? join(entry.dir, labels) : resolvePackageFile(labels);
  if (!existsSync(path)) fail(entry.name, `labels file ${path} not found`);
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  while (lines.at(-1) === '') lines.pop();
  return lines;
}
