import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../core/errors.ts';
import {
  ModelConfigSchema,
  VersionConfigSchema,
  VersionSourceSchema,
  type ModelConfig,
  type PackageFile,
  type VersionConfig,
  type VersionPolicy,
} from './schema.ts';
import { resolvePackageFile } from './package-file.ts';
import { checkModelName, isModelName, parseVersion } from './names.ts';
import { realInside } from './paths.ts';
import { issuesText } from '../core/issues.ts';

/** One version folder and the model file found in it. */
export interface VersionEntry {
  version: number;
  /** Real path of the version folder. */
  dir: string;
  /** Real path of the model file (or TensorFlow.js folder/model.json); '' for an ensemble. */
  path: string;
  /** The model file as shown to clients: relative to the store (`m/1/model.onnx`) or `package:path`. */
  shownPath: string;
  /** Loader hint ('onnx', 'tfjs-graph', 'tfjs-minjs'…). */
  format: string;
  /** The package the file came from, when it ships in one. */
  source?: PackageFile;
  /** The version's own config.json (labels, params, head, provenance), when it has one. */
  config?: VersionConfig;
  /**
   * The trained head the version is served with: its model.json's real path (inside the version folder) and the feature
   * output it reads.
   */
  head?: { path: string; feature: string };
}

/** One model folder of the store. */
export interface ModelEntry {
  name: string;
  /** Real path of the model folder (always inside the store's real path). */
  dir: string;
  config: ModelConfig;
  /** Every version folder, newest first (before the version policy). */
  versions: VersionEntry[];
}

function fail(model: string, message: string, cause?: unknown): never {
  throw new GatewayError('CONFIG_INVALID', `model '${model}': ${message}`, { cause });
}

function readJson(path: string, shownAs: string, model: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(model, `${shownAs} is not valid JSON (${(e as Error).message})`, e);
  }
}

/**
 * Finds the model file of a version folder: model.onnx, model.json (TensorFlow.js) or source.json (a
 * package file). Every file's real path must stay inside the store (`root`).
 */
function findModelFile(
  model: string,
  root: string,
  dir: string,
  shownDir: string,
): Pick<VersionEntry, 'path' | 'shownPath' | 'format' | 'source'> {
  for (const [file, format] of [
    ['model.onnx', 'onnx'],
    ['model.json', 'tfjs'],
  ] as const) {
    if (!existsSync(join(dir, file))) continue;
    const shownPath = `${shownDir}/${file}`;
    const path = realInside(root, join(dir, file), shownPath, `model '${model}'`);
    if (!statSync(path).isFile()) fail(model, `${shownPath} is not a file`);
    return { path, shownPath, format };
  }
  if (existsSync(join(dir, 'source.json'))) {
    const shownSource = `${shownDir}/source.json`;
    const sourceFile = realInside(root, join(dir, 'source.json'), shownSource, `model '${model}'`);
    const parsed = VersionSourceSchema.safeParse(readJson(sourceFile, shownSource, model));
    if (!parsed.success) fail(model, `${shownSource}: ${issuesText(parsed.error)}`);
    let path: string;
    try {
      path = resolvePackageFile(parsed.data);
    } catch (e) {
      fail(model, `${shownSource}: ${(e as Error).message}`, e);
    }
    const format = parsed.data.format ?? (path.endsWith('.onnx') ? 'onnx' : 'tfjs');
    return { path, shownPath: `${parsed.data.package}:${parsed.data.path}`, format, source: parsed.data };
  }
  fail(model, `version folder ${shownDir} has no model.onnx, model.json or source.json`);
}

/**
 * Parses a version folder's optional config.json (VersionConfigSchema) and resolves its head: the
 * head's real path must stay inside the version folder and be a file. Errors are CONFIG_INVALID naming
 * `model/version/config.json`.
 */
function readVersionConfig(
  model: string,
  root: string,
  dir: string,
  shownDir: string,
): Pick<VersionEntry, 'config' | 'head'> {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return {};
  const shown = `${shownDir}/config.json`;
  const parsed = VersionConfigSchema.safeParse(
    readJson(realInside(root, file, shown, `model '${model}'`), shown, model),
  );
  if (!parsed.success) fail(model, `${shown}: ${issuesText(parsed.error)}`);
  const config = parsed.data;
  if (!config.head) return { config };
  const shownHead = `${shownDir}/${config.head.path.slice(0, 200)}`;
  const path = realInside(
    dir,
    join(dir, config.head.path),
    `${shown}: head ${shownHead}`,
    `model '${model}'`,
    'the version folder',
  );
  if (!statSync(path).isFile()) fail(model, `${shown}: head ${shownHead} is not a file`);
  return { config, head: { path, feature: config.head.feature } };
}

/**
 * Parses `<store>/<model>/config.json` (defaults when absent). The file's real path must stay inside
 * `root` (the store when called from `scanModel`, the model folder otherwise).
 */
export function readModelConfig(name: string, dir: string, root: string = dir): ModelConfig {
  const file = join(dir, 'config.json');
  const raw = existsSync(file)
    ? readJson(realInside(root, file, `${name}/config.json`, `model '${name}'`), `${name}/config.json`, name)
    : {};
  const parsed = ModelConfigSchema.safeParse(raw);
  if (!parsed.success) fail(name, `config.json: ${issuesText(parsed.error)}`);
  return parsed.data;
}

/** The store's real path; CONFIG_INVALID when it does not exist. */
function storeRoot(store: string): string {
  if (!existsSync(store) || !statSync(store).isDirectory())
    throw new GatewayError('CONFIG_INVALID', `model store ${store} does not exist`);
  return realInside(store, store, 'the model store', 'model store');
}

/** True when `<store>/<name>` exists (after checking the name): a load of anything else is MODEL_NOT_FOUND. */
export function modelExists(store: string, name: string): boolean {
  return existsSync(join(store, checkModelName(name)));
}

/**
 * Reads one model folder: its config and its numeric version folders (each with its optional
 * config.json). The name is checked first (INVALID_NAME); the model folder, its version folders,
 * config files and model files must resolve (symlinks followed) inside the store, a version's head
 * inside its version folder, else CONFIG_INVALID.
 */
export function scanModel(store: string, name: string): ModelEntry {
  checkModelName(name);
  const root = storeRoot(store);
  if (!existsSync(join(store, name)))
    throw new GatewayError('MODEL_NOT_FOUND', `model '${name}' is not in the repository`);
  const dir = realInside(root, join(store, name), `model folder '${name}'`, `model '${name}'`);
  if (!statSync(dir).isDirectory())
    throw new GatewayError('MODEL_NOT_FOUND', `model '${name}' is not in the repository`);
  const config = readModelConfig(name, dir, root);
  const numbered: Array<{ version: number; dir: string; shownDir: string }> = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const version = parseVersion(d.name);
    if (version === undefined || !(d.isDirectory() || d.isSymbolicLink())) continue;
    const shownDir = `${name}/${d.name}`;
    const real = realInside(root, join(dir, d.name), `version folder ${shownDir}`, `model '${name}'`);
    if (statSync(real).isDirectory()) numbered.push({ version, dir: real, shownDir });
  }
  // An ensemble has no model file: its versions are its folders, or version 1 when it has none.
  const versions: VersionEntry[] = config.ensemble
    ? (numbered.length ? numbered : [{ version: 1, dir, shownDir: name }]).map((v) => ({
        version: v.version,
        dir: v.dir,
        path: '',
        shownPath: '',
        format: 'ensemble',
      }))
    : numbered.map((v) => ({
        version: v.version,
        dir: v.dir,
        ...findModelFile(name, root, v.dir, v.shownDir),
        ...readVersionConfig(name, root, v.dir, v.shownDir),
      }));
  versions.sort((a, b) => b.version - a.version);
  if (versions.length === 0) fail(name, 'no numeric version folder (e.g. 1/model.onnx)');
  return { name, dir, config, versions };
}

/**
 * Names of the model folders in a store (symlinked folders included: their loads check where they
 * lead). Entries whose names are not valid model names are left out; `ignoredFolders` lists them.
 */
export function listModels(store: string): string[] {
  return storeFolders(store).filter(isModelName);
}

/** Folders of the store that are not served because their names are not valid model names. */
export function ignoredFolders(store: string): string[] {
  return storeFolders(store).filter((n) => !isModelName(n));
}

function storeFolders(store: string): string[] {
  storeRoot(store);
  return readdirSync(store, { withFileTypes: true })
    .filter((d) => (d.isDirectory() || d.isSymbolicLink()) && !d.name.startsWith('.'))
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

/**
 * Reads the labels a config names: a list, a file inside the model folder (its real path must stay
 * there), or a file in a package (inside the package).
 */
export function readLabels(entry: ModelEntry): string[] | undefined {
  const labels = entry.config.labels;
  if (labels === undefined || Array.isArray(labels)) return labels;
  let path: string;
  if (typeof labels === 'string') {
    path = realInside(
      entry.dir,
      join(entry.dir, labels),
      `labels file '${labels.slice(0, 100)}'`,
      `model '${entry.name}'`,
      'the model folder',
    );
  } else {
    try {
      path = resolvePackageFile(labels);
    } catch (e) {
      fail(entry.name, `labels: ${(e as Error).message}`, e);
    }
  }
  if (!statSync(path).isFile()) fail(entry.name, 'the labels file is not a file');
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  while (lines.at(-1) === '') lines.pop();
  return lines;
}
