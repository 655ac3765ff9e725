import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../core/errors.ts';
import { parseVersion } from '../../model-store/names.ts';

/** Files of a fine-tuned version that are its own, not the base model's. */
const OWN = new Set(['head', 'config.json', 'report.json', 'curves.svg', 'READY']);

/** What a trained version is made of. */
interface VersionFiles {
  /** The base version's folder: its model file(s) are copied, its own head and reports are not. */
  baseDir?: string;
  /** Files of the base written as they are instead (a distilled student with no base folder: its `model.json`). */
  baseFiles?: Record<string, string>;
  head: { modelJson: Record<string, unknown>; weights: Uint8Array };
  /** `<version>/config.json` (labels, head, provenance). */
  versionConfig: Record<string, unknown>;
  report: Record<string, unknown>;
  curvesSvg: string;
}

export interface Publication extends VersionFiles {
  /** The model folder (`<store>/<model>`). */
  modelDir: string;
  /** The job id, for the staging folder's name. */
  job: string;
}

/** Writes a version folder's files into `dir` (which exists). */
function writeVersion(dir: string, p: VersionFiles): void {
  mkdirSync(join(dir, 'head'), { recursive: true });
  if (p.baseDir) {
    for (const f of readdirSync(p.baseDir)) {
      if (!OWN.has(f)) cpSync(join(p.baseDir, f), join(dir, f), { recursive: true, dereference: true });
    }
  }
  for (const [f, text] of Object.entries(p.baseFiles ?? {})) writeFileSync(join(dir, f), text);
  writeFileSync(join(dir, 'head', 'model.json'), JSON.stringify(p.head.modelJson));
  writeFileSync(join(dir, 'head', 'weights.bin'), p.head.weights);
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(p.versionConfig, null, 2)}\n`);
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(p.report, null, 2)}\n`);
  writeFileSync(join(dir, 'curves.svg'), p.curvesSvg);
}

/**
 * Writes a fine-tuned version and publishes it atomically: everything is written into a hidden staging
 * folder of the model (`.finetune-<job>`, invisible to the store and its watcher), which is then renamed
 * to the next free version number — a version is never seen half-written. Returns the version number.
 */
export function publishVersion(p: Publication): number {
  const staging = join(p.modelDir, `.finetune-${p.job}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    writeVersion(staging, p);
    // The next number; a folder published meanwhile by someone else makes the rename fail, and the next one is tried.
    for (let attempt = 0; ; attempt++) {
      const version = nextVersion(p.modelDir);
      try {
        if (existsSync(join(p.modelDir, String(version)))) continue;
        renameSync(staging, join(p.modelDir, String(version)));
        return version;
      } catch (e) {
        if (attempt >= 5 || !['EEXIST', 'ENOTEMPTY'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      }
    }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** A new model of the store: its `config.json` and its version 1. */
export interface ModelPublication extends VersionFiles {
  store: string;
  name: string;
  job: string;
  modelConfig: Record<string, unknown>;
}

/**
 * Publishes a new model atomically: its config.json and version folder `1/` are written into a hidden
 * staging folder of the store (`.publish-<job>`), which is then renamed to `<store>/<name>`. CONFLICT when a
 * model of that name appeared meanwhile (nothing is left behind). Returns the model folder.
 */
export function publishModel(p: ModelPublication): string {
  const staging = join(p.store, `.publish-${p.job}`);
  const target = join(p.store, p.name);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, '1'), { recursive: true });
  try {
    writeFileSync(join(staging, 'config.json'), `${JSON.stringify(p.modelConfig, null, 2)}\n`);
    writeVersion(join(staging, '1'), p);
    if (existsSync(target)) throw new GatewayError('CONFLICT', `a model '${p.name}' exists already`);
    try {
      renameSync(staging, target);
    } catch (e) {
      if (['EEXIST', 'ENOTEMPTY'].includes((e as NodeJS.ErrnoException).code ?? ''))
        throw new GatewayError('CONFLICT', `a model '${p.name}' exists already`);
      throw e;
    }
    return target;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

function nextVersion(modelDir: string): number {
  let max = 0;
  for (const f of readdirSync(modelDir)) max = Math.max(max, parseVersion(f) ?? 0);
  return max + 1;
}

/** Removes staging folders a stopped gateway left behind in a model folder (or, `.publish-*`, in the store). */
export function removeStaging(dir: string): void {
  for (const f of readdirSync(dir))
    if (f.startsWith('.finetune-') || f.startsWith('.publish-')) rmSync(join(dir, f), { recursive: true, force: true });
}
