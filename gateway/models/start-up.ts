import { join } from 'node:path';
import { log } from '../../core/log.ts';
import type { ModelRepository } from '../../model-store/repository.ts';
import { readModelConfig } from '../../model-store/scan.ts';
import type { Servable } from './servable.ts';

interface StartUpPlan {
  repository: ModelRepository<Servable>;
  /** The model store folder. */
  store: string;
  /** The models to serve. */
  names: readonly string[];
  /** The names were listed by the operator (LOAD_MODELS): a `"load": "lazy"` config is then loaded at once too. */
  listed: boolean;
  /** Loads at once, at most. */
  concurrency: number;
}

interface StartUpResult {
  /** Models whose load failed, with the reason. */
  failures: Map<string, string>;
  /** Models left to load on their first request (`"load": "lazy"`). */
  deferred: string[];
}

/** What start-up needs to know of a model's config; an unreadable config is loaded (and reported) like any model. */
function kindOf(store: string, name: string): { ensemble: boolean; lazy: boolean } {
  try {
    const config = readModelConfig(name, join(store, name));
    return { ensemble: config.ensemble !== undefined, lazy: config.load === 'lazy' };
  } catch {
    return { ensemble: false, lazy: false };
  }
}

/**
 * The models an operator listed (LOAD_MODELS) and, after them, what they need to answer: an ensemble's members
 * and the companion models a config names (a string in its `params` or `ensemble` settings that is a model of the
 * store: the OCR page's recogniser and direction classifier, the emotion models' face detector), recursively.
 *
 * @example withCompanions(store, ['ocr']) // ['ocr', 'ocr-rec', 'ocr-cls']
 */
export function withCompanions(store: string, listed: readonly string[], models: readonly string[]): string[] {
  const known = new Set(models);
  const out: string[] = [];
  const add = (name: string) => {
    if (out.includes(name)) return;
    out.push(name);
    let config: ReturnType<typeof readModelConfig>;
    try {
      config = readModelConfig(name, join(store, name));
    } catch {
      return; // its load reports the error
    }
    const members = (config.ensemble?.members ?? []).map((m) =>
      typeof m === 'string' ? m.split(/[:@]/)[0]! : (m as { model: string }).model,
    );
    const named = [...Object.values(config.params ?? {}), ...Object.values(config.ensemble ?? {})].filter(
      (v): v is string => typeof v === 'string' && known.has(v),
    );
    for (const c of [...members, ...named]) if (c !== name && known.has(c)) add(c);
  };
  for (const name of listed) add(name);
  const added = out.filter((n) => !listed.includes(n));
  if (added.length) log.info('loading the companions of the listed models', { listed, added });
  return out;
}

/** Runs `work` on every item, `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * Loads the store's models at start-up: models `concurrency` at a time (each in its own worker threads, so loads
 * overlap on a machine with cores to spare), then ensembles one at a time, which vote over loaded models. A model whose config says
 * `"load": "lazy"` is not loaded now but on its first request (`ModelRepository.defer`), unless the operator listed it
 * in LOAD_MODELS. Each load is `required` (it counts for readiness); a failure is returned, not thrown.
 *
 * @example
 * const { failures } = await loadAtStartUp({ repository, store, names: listModels(store), listed: false, concurrency: 2 });
 */
export async function loadAtStartUp(o: StartUpPlan): Promise<StartUpResult> {
  const failures = new Map<string, string>();
  const deferred: string[] = [];
  const models: string[] = [];
  const ensembles: string[] = [];
  for (const name of o.names) {
    const kind = kindOf(o.store, name);
    if (kind.lazy && !o.listed) deferred.push(name);
    else (kind.ensemble ? ensembles : models).push(name);
  }
  for (const name of deferred) o.repository.defer(name);
  log.info('loading models', {
    models: models.length + ensembles.length,
    concurrency: o.concurrency,
    ...(deferred.length ? { lazy: deferred } : {}),
  });
  const load = async (name: string) => {
    try {
      await o.repository.load(name, { required: true });
    } catch (e) {
      failures.set(name, (e as Error).message);
    }
  };
  await eachLimited(models, o.concurrency, load);
  // Ensembles cost milliseconds and may vote over one another: one at a time, in order.
  await eachLimited(ensembles, 1, load);
  return { failures, deferred };
}
