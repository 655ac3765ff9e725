import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { writeJsonAtomic } from '../../model-store/labels.ts';
import { listModels } from '../../model-store/scan.ts';
import type { SavedBandit } from './experiment.ts';

/**
 * Experiments made or changed at run time live in `<store>/.experiments.json` (a dot-file: the store
 * scan never takes it for a model), written atomically (temporary file + rename) before an admin call
 * is answered. Experiments may also be declared in the store like ensembles: a folder whose
 * config.json is `{"experiment": {...}}`; the file's entry of the same name wins, and a declared
 * experiment deleted at run time is listed under `removed`.
 */
const EXPERIMENTS_FILE = '.experiments.json';

/** A promotion's label change, undone by a rollback. */
export interface LabelChange {
  model: string;
  label: string;
  /** The version the label pointed at before; null when it did not exist. */
  previous: number | null;
}

export interface HistoryEntry {
  definition: Record<string, unknown>;
  label?: LabelChange;
}

export interface SavedExperiment {
  definition: Record<string, unknown>;
  /** Earlier definitions, newest last (at most MAX_HISTORY). */
  history: HistoryEntry[];
  bandit?: SavedBandit;
}

export interface ExperimentsFile {
  experiments: Record<string, SavedExperiment>;
  removed: string[];
}

export const MAX_HISTORY = 20;

/** Reads the experiments file (empty when absent); CONFIG_INVALID when it cannot be read. */
export function readExperimentsFile(store: string): ExperimentsFile {
  const file = join(store, EXPERIMENTS_FILE);
  if (!existsSync(file)) return { experiments: {}, removed: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new GatewayError('CONFIG_INVALID', `${EXPERIMENTS_FILE} is not valid JSON (${(e as Error).message})`);
  }
  const r = raw as Partial<ExperimentsFile>;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.experiments !== 'object' ||
    r.experiments === null ||
    Array.isArray(r.experiments)
  ) {
    throw new GatewayError('CONFIG_INVALID', `${EXPERIMENTS_FILE}: expected {"experiments": {...}, "removed": [...]}`);
  }
  return {
    experiments: r.experiments,
    removed: Array.isArray(r.removed) ? r.removed.filter((n): n is string => typeof n === 'string') : [],
  };
}

export function writeExperimentsFile(store: string, data: ExperimentsFile): void {
  writeJsonAtomic(join(store, EXPERIMENTS_FILE), data);
}

/** The raw `experiment` object of `<store>/<name>/config.json`, or undefined when that folder is not an experiment. */
export function declaredExperiment(store: string, name: string): unknown {
  const file = join(store, name, 'config.json');
  if (!existsSync(file)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return typeof raw === 'object' && raw !== null && 'experiment' in raw ? (raw.experiment ?? null) : undefined;
  } catch {
    return undefined; // not valid JSON: the model load reports it
  }
}

/** The experiments declared in the store (folder name → raw definition). */
export function declaredExperiments(store: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  let names: string[] = [];
  try {
    names = listModels(store);
  } catch (e) {
    log.warn('cannot list the store for experiments', { error: String(e) });
  }
  for (const name of names) {
    const d = declaredExperiment(store, name);
    if (d !== undefined) out.set(name, d);
  }
  return out;
}
