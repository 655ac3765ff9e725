import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseVersion } from '../../model-store/names.ts';

/** Files of a fine-tuned version that are its own, not the base model's. */
const OWN = new Set(['head', 'config.json', 'report.json', 'curves.svg', 'READY']);

export interface Publication {
  /** The model folder (`<store>/<model>`). */
  modelDir: string;
  /** The base version's folder: its model file(s) are copied, its own head and reports are not. */
  baseDir: string;
  /** The job id, for the staging folder's name. */
  job: string;
  head: { modelJson: Record<string, unknown>; weights: Uint8Array };
  /** `<version>/config.json` (labels, head, provenance). */
  versionConfig: Record<string, unknown>;
  report: Record<string, unknown>;
  curvesSvg: string;
}

/**
 * Writes a fine-tuned version and publishes it atomically: everything is written into a hidden staging
 * folder of the model (`.finetune-<job>`, invisible to the store and its watcher), which is then renamed
 * to the next free version number — a version is never seen half-written. Returns the version number.
 */
export function publishVersion(p: Publication): number {
  const staging = join(p.modelDir, `.finetune-${p.job}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'head'), { recursive: true });
  try {
    for (const f of readdirSync(p.baseDir)) {
      if (!OWN.has(f)) cpSync(join(p.baseDir, f), join(staging, f), { recursive: true, dereference: true });
    }
    writeFileSync(join(staging, 'head', 'model.json'), JSON.stringify(p.head.modelJson));
    writeFileSync(join(staging, 'head', 'weights.bin'), p.head.weights);
    writeFileSync(join(staging, 'config.json'), `${JSON.stringify(p.versionConfig, null, 2)}\n`);
    writeFileSync(join(staging, 'report.json'), `${JSON.stringify(p.report, null, 2)}\n`);
    writeFileSync(join(staging, 'curves.svg'), p.curvesSvg);
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

function nextVersion(modelDir: string): number {
  let max = 0;
  for (const f of readdirSync(modelDir)) max = Math.max(max, parseVersion(f) ?? 0);
  return max + 1;
}

/** Removes staging folders a stopped gateway left behind in a model folder. */
export function removeStaging(modelDir: string): void {
  for (const f of readdirSync(modelDir))
    if (f.startsWith('.finetune-')) rmSync(join(modelDir, f), { recursive: true, force: true });
}
