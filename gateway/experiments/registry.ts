import { GatewayError, invalidInput } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { checkModelName, modelExistsSafe, shown } from './names.ts';
import type { ModelRepository } from '../../model-store/repository.ts';
import type { Servable } from '../models/servable.ts';
import type { Metrics } from '../metrics/index.ts';
import { Assignments } from './feedback.ts';
import { checkCompatible } from './compatibility.ts';
import { definitionJson, parseDefinition, type Definition, type Variant } from './definition.ts';
import { Experiment } from './experiment.ts';
import {
  declaredExperiment,
  declaredExperiments,
  MAX_HISTORY,
  readExperimentsFile,
  writeExperimentsFile,
  type ExperimentsFile,
  type HistoryEntry,
  type LabelChange,
} from './persist.ts';
import { ShadowQueue } from './shadow-queue.ts';

interface RegistryOptions {
  store: string;
  repository: ModelRepository<Servable>;
  metrics?: Metrics;
  /** Default header of the sticky key. */
  keyHeader: string;
  /** Shadow copies in flight at most (more are dropped and counted). */
  shadowLimit: number;
  /** How long bandit state may wait before it is written (ms). */
  saveDelayMs?: number;
  random?: () => number;
}

/** Where a request goes: its experiment, the variant chosen and that variant's model now. */
export interface Route {
  experiment: Experiment;
  variant: Variant;
  model: Servable;
}

/**
 * The experiments: built from the store (declared folders and `.experiments.json`), changed at run
 * time by the admin API, each change built and checked in full before it replaces the running
 * experiment and persisted before it is answered (nothing half-applied). See docs/architecture.md.
 */
export class ExperimentRegistry {
  private readonly running = new Map<string, Experiment>();
  /** Experiments of the store that could not be built (a variant not loaded…): name → why. */
  private readonly broken = new Map<string, string>();
  private file: ExperimentsFile = { experiments: {}, removed: [] };
  readonly assignments = new Assignments(100_000, 3_600_000);
  readonly shadows: ShadowQueue;
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: RegistryOptions) {
    this.shadows = new ShadowQueue(o.shadowLimit);
  }

  /** True when `<store>/<name>` is an experiment folder (not a model). */
  isDeclared(name: string): boolean {
    return declaredExperiment(this.o.store, name) !== undefined;
  }

  /**
   * Builds every experiment of the store (after the models are loaded); a broken one is logged and
   * listed, not fatal. With `only` (LOAD_MODELS), declared experiments outside it are left out.
   */
  init(only?: readonly string[]): void {
    try {
      this.file = readExperimentsFile(this.o.store);
    } catch (e) {
      log.error('experiments file unreadable; run-time experiments are not served', { error: (e as Error).message });
    }
    const raw = new Map<string, unknown>();
    for (const [name, d] of declaredExperiments(this.o.store))
      if (!this.file.removed.includes(name) && (!only || only.includes(name))) raw.set(name, d);
    for (const [name, saved] of Object.entries(this.file.experiments)) raw.set(name, saved.definition);
    for (const [name, d] of raw) {
      try {
        const def = parseDefinition(d, `experiment '${shown(name)}'`);
        this.running.set(name, this.build(name, def, undefined, true));
      } catch (e) {
        this.broken.set(name, (e as Error).message);
        log.warn('experiment unavailable', { experiment: name, error: (e as Error).message });
      }
    }
  }

  get(name: string): Experiment | undefined {
    return this.running.get(name);
  }

  names(): string[] {
    return [...new Set([...this.running.keys(), ...this.broken.keys()])].sort();
  }

  /** The model a variant resolves to now (its label or version followed at each request). */
  resolve(v: Variant): Servable {
    return this.o.repository.get(v.parsed.model, v.parsed.version);
  }

  /**
   * Picks the variant of a request (sticky by `key` when given) and its model. MODEL_NOT_READY (503)
   * when every serving variant is paused.
   */
  route(exp: Experiment, key?: string): Route {
    const variant = exp.choose(key);
    if (!variant)
      throw new GatewayError('UNAVAILABLE', `experiment '${exp.name}': every serving variant is paused`, {
        retryAfterS: 1,
      });
    return { experiment: exp, variant, model: this.resolve(variant) };
  }

  /** Checks a definition against the loaded models and builds the experiment (nothing is changed). */
  private build(name: string, def: Definition, previous?: Experiment, fromStore = false): Experiment {
    checkModelName(name);
    const where = `experiment '${name}'`;
    // A model's own name may route that model's traffic: when every variant names one of its versions or
    // labels (a canary of its versions), or when its control is the model itself (a canary or shadow of
    // another model against it: a distilled student against its ensemble). Nothing else may hide behind it.
    const ownVersions = def.variants.every((v) => v.parsed.model === name && v.parsed.version !== undefined);
    const control = def.variants.find((v) => v.name === def.control)!;
    const againstItself = control.parsed.model === name && control.parsed.version === undefined;
    if (!fromStore && modelExistsSafe(this.o.store, name) && !this.isDeclared(name) && !ownVersions && !againstItself) {
      throw invalidInput(
        `${where}: the name is taken by a model of the store (an experiment named after a model must route between its versions, "${name}:2", "${name}@stable", or have the model itself, "${name}", as its control)`,
      );
    }
    const shapes = def.variants.map((v) => {
      let m: Servable;
      try {
        m = this.resolve(v);
      } catch (e) {
        throw invalidInput(`${where}: variant '${v.name}' (${v.target}): ${(e as Error).message}`);
      }
      return { variant: v.name, inputs: m.inputs, labels: m.labels };
    });
    checkCompatible(where, shapes);
    return new Experiment(name, def, previous, this.file.experiments[name]?.bandit, this.o.random);
  }

  /** Persists `next` as the file's state, then applies `apply` (so a failed write changes nothing). */
  private commit(next: ExperimentsFile, apply: () => void): void {
    writeExperimentsFile(this.o.store, next);
    this.file = next;
    apply();
  }

  private saved(name: string) {
    return (
      this.file.experiments[name] ?? { definition: definitionJson(this.running.get(name)!.definition), history: [] }
    );
  }

  private replaceWith(name: string, def: Definition, history: HistoryEntry[]): Experiment {
    const previous = this.running.get(name);
    const exp = this.build(name, def, previous);
    const bandit = exp.banditState();
    const next: ExperimentsFile = {
      experiments: {
        ...this.file.experiments,
        [name]: {
          definition: definitionJson(def),
          history: history.slice(-MAX_HISTORY),
          ...(bandit ? { bandit } : {}),
        },
      },
      removed: this.file.removed.filter((n) => n !== name),
    };
    this.commit(next, () => {
      this.running.set(name, exp);
      this.broken.delete(name);
    });
    log.info('experiment set', { experiment: name, variants: def.variants.map((v) => v.name) });
    return exp;
  }

  private need(name: string): Experiment {
    const exp = this.running.get(name);
    if (!exp)
      throw new GatewayError(
        'MODEL_NOT_FOUND',
        this.broken.has(name)
          ? `experiment '${shown(name)}' is unavailable: ${this.broken.get(name)}`
          : `no experiment '${shown(name)}'`,
      );
    return exp;
  }

  /**
   * Loads the models a definition's variants name that load on first use (`"load": "lazy"`), as a first request
   * would, so that creating or replacing an experiment over one does not fail on it; anything wrong with the
   * definition is left for `create`/`put` to report.
   */
  async wake(name: string, raw: unknown): Promise<void> {
    let def: Definition;
    try {
      def = parseDefinition(raw, `experiment '${name}'`);
    } catch {
      return;
    }
    await Promise.all(
      def.variants.map((v) => this.o.repository.acquire(v.parsed.model, v.parsed.version).catch(() => undefined)),
    );
  }

  /** Creates an experiment (CONFLICT when one of that name runs). */
  create(name: string, raw: unknown): Experiment {
    checkModelName(name);
    if (this.running.has(name))
      throw new GatewayError('CONFLICT', `experiment '${name}' exists; PUT /v1/experiments/${name} replaces it`);
    return this.replaceWith(name, parseDefinition(raw, `experiment '${name}'`), []);
  }

  /** Replaces an experiment's definition (the old one goes to its history) or creates it. */
  put(name: string, raw: unknown): Experiment {
    checkModelName(name);
    const def = parseDefinition(raw, `experiment '${name}'`);
    if (!this.running.has(name)) return this.replaceWith(name, def, []);
    const s = this.saved(name);
    return this.replaceWith(name, def, [...s.history, { definition: s.definition }]);
  }

  /** Applies `change` to a copy of the running definition. */
  private change(
    name: string,
    change: (variants: Variant[]) => Variant[],
    extra: Partial<Definition> = {},
    label?: LabelChange,
  ): Experiment {
    const exp = this.need(name);
    const def: Definition = {
      ...exp.definition,
      ...extra,
      variants: change(exp.definition.variants.map((v) => ({ ...v }))),
    };
    const s = this.saved(name);
    return this.replaceWith(name, def, [...s.history, { definition: s.definition, ...(label ? { label } : {}) }]);
  }

  private variantOf(exp: Experiment, variant: unknown): Variant {
    const v = exp.definition.variants.find((x) => x.name === variant);
    if (!v)
      throw invalidInput(
        `experiment '${exp.name}' has no variant '${shown(String(variant))}' (variants: ${exp.definition.variants.map((x) => x.name).join(', ')})`,
      );
    return v;
  }

  /** New weights for some variants (the others keep theirs). */
  setWeights(name: string, weights: unknown): Experiment {
    const exp = this.need(name);
    if (typeof weights !== 'object' || weights === null || Array.isArray(weights) || Object.keys(weights).length === 0)
      throw invalidInput('expected {"weights": {"<variant>": <positive number>, ...}}');
    for (const [k, w] of Object.entries(weights)) {
      this.variantOf(exp, k);
      if (typeof w !== 'number' || !(w > 0) || !Number.isFinite(w))
        throw invalidInput(`weight of variant '${shown(k)}' must be a positive finite number`);
    }
    const ws = weights as Record<string, number>;
    return this.change(name, (vs) => vs.map((v) => (v.name in ws ? { ...v, weight: ws[v.name]! } : v)));
  }

  /** Pauses (no traffic, no shadow copies) or resumes a variant. */
  setPaused(name: string, variant: unknown, paused: boolean): Experiment {
    const v = this.variantOf(this.need(name), variant);
    return this.change(name, (vs) => vs.map((x) => (x.name === v.name ? { ...x, paused } : x)));
  }

  /**
   * Promotes a variant: when it serves a model version (not an ensemble), that model's `stable` label
   * moves to the version; then the variant becomes the experiment's only variant, or with `end` the
   * experiment is deleted. A rollback (unless ended) restores the definition and the label.
   */
  async promote(
    name: string,
    variant: unknown,
    end: boolean,
  ): Promise<{ label?: { model: string; label: string; version: number }; ended: boolean }> {
    const exp = this.need(name);
    const v = this.variantOf(exp, variant);
    if (v.shadow)
      throw invalidInput(`variant '${v.name}' is a shadow; resume it as a serving variant before promoting it`);
    const model = this.resolve(v);
    // Checked in full before anything changes: the label moves only if the new definition builds.
    const def: Definition = { ...exp.definition, control: v.name, variants: [{ ...v, weight: 1, paused: false }] };
    if (!end) this.build(name, def, exp);
    let change: LabelChange | undefined;
    if (model.platform !== 'ensemble') {
      const labels = this.o.repository.labelsOf(model.name);
      change = { model: model.name, label: 'stable', previous: labels.stable ?? null };
      await this.o.repository.setLabel(model.name, 'stable', model.version);
    }
    if (end) this.delete(name);
    else this.change(name, () => def.variants, { control: v.name }, change);
    return {
      ...(change ? { label: { model: change.model, label: 'stable', version: model.version } } : {}),
      ended: end,
    };
  }

  /** Restores the previous definition (and the label a promotion moved). */
  async rollback(name: string): Promise<Experiment> {
    this.need(name);
    const s = this.saved(name);
    const last = s.history.at(-1);
    if (!last) throw invalidInput(`experiment '${name}' has no earlier definition to roll back to`);
    const def = parseDefinition(last.definition, `experiment '${name}' (history)`);
    if (last.label) {
      const l = last.label;
      if (l.previous === null) await this.o.repository.deleteLabel(l.model, l.label).catch(() => undefined);
      else await this.o.repository.setLabel(l.model, l.label, l.previous);
    }
    return this.replaceWith(name, def, s.history.slice(0, -1));
  }

  /** Deletes an experiment (a declared one stays deleted across restarts). */
  delete(name: string): void {
    if (!this.running.has(name) && !this.broken.has(name))
      throw new GatewayError('MODEL_NOT_FOUND', `no experiment '${shown(name)}'`);
    const experiments = { ...this.file.experiments };
    delete experiments[name];
    const removed =
      this.isDeclared(name) && !this.file.removed.includes(name) ? [...this.file.removed, name] : this.file.removed;
    this.commit({ experiments, removed }, () => {
      this.running.delete(name);
      this.broken.delete(name);
    });
    log.info('experiment deleted', { experiment: name });
  }

  /** Credits a reward to the variant that served request `id` (once per request). */
  feedback(name: string, id: unknown, reward: unknown): { variant: string } {
    const exp = this.need(name);
    if (typeof id !== 'string' || id.length === 0 || id.length > 256)
      throw invalidInput(
        'expected {"id": "<request id>", "reward": <number in [0, 1]>}: id is a string of 1 to 256 characters',
      );
    if (typeof reward !== 'number' || !(reward >= 0 && reward <= 1))
      throw invalidInput('reward must be a number in [0, 1]');
    const a = this.assignments.take(id, name);
    if (!a)
      throw new GatewayError(
        'MODEL_NOT_FOUND',
        `no request '${shown(id)}' of experiment '${name}' awaits feedback (unknown, expired, or already rewarded)`,
      );
    exp.reward(a.variant, reward);
    this.o.metrics?.experiment.rewarded(name, a.variant, reward);
    if (exp.definition.mode === 'bandit') this.saveSoon();
    return { variant: a.variant };
  }

  /** Writes bandit state within `saveDelayMs` (one write for many rewards). */
  private saveSoon(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), this.o.saveDelayMs ?? 1000);
    this.saveTimer.unref();
  }

  /** Writes pending bandit state now. */
  flush(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const experiments = { ...this.file.experiments };
    let changed = false;
    for (const [name, exp] of this.running) {
      const b = exp.banditState();
      if (!b) continue;
      experiments[name] = { ...this.saved(name), bandit: b };
      changed = true;
    }
    if (!changed) return;
    try {
      writeExperimentsFile(this.o.store, { ...this.file, experiments });
      this.file = { ...this.file, experiments };
    } catch (e) {
      log.error('bandit state not saved', { error: String(e) });
    }
  }

  /** The experiment as shown by `GET /v1/experiments/{name}`: definition, shares, figures. */
  describe(name: string): Record<string, unknown> {
    const exp = this.running.get(name);
    if (!exp) {
      if (this.broken.has(name)) return { name, state: 'UNAVAILABLE', reason: this.broken.get(name) };
      throw new GatewayError('MODEL_NOT_FOUND', `no experiment '${shown(name)}'`);
    }
    return {
      name,
      state: exp.halted ? 'PAUSED' : 'READY',
      ...definitionJson(exp.definition),
      shares: exp.shares(),
      history: this.file.experiments[name]?.history.length ?? 0,
      shadow_queue: { in_flight: this.shadows.size, limit: this.shadows.limit, dropped: this.shadows.dropped },
      figures: Object.fromEntries(
        exp.definition.variants.map((v) => [v.name, exp.figures.get(v.name)!.toJSON(v.shadow)]),
      ),
    };
  }

  close(): void {
    if (this.saveTimer) this.flush();
  }
}
