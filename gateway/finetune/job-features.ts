import { seededRandom } from '../../core/random.ts';
import { sharedCopy } from '../../training/worker/index.ts';
import type { ServedModel } from '../models/served-model.ts';
import { extractFeatures, type Features } from './features.ts';
import type { JobRecord } from './job.ts';
import type { FinetuneOptions } from './options.ts';
import type { TrainingDeps } from './train-step.ts';
import { cancelled } from './lifecycle.ts';

/** Training features: one row per training item and per augmented copy, and the training item each row is of. */
export interface TrainingFeatures {
  features: Float32Array;
  /** Per row, the index of the training item it was computed from (its copies point at it too). */
  source: Int32Array;
}

/**
 * The features a job trains on, computed through the served model's instances (gateway/finetune/features.ts)
 * once each: the held-out items' (with the served model's own scores, for the gate), the training items',
 * and, per augmentation strength asked for, the features of `augmentCopies` augmented copies of each
 * training item (deterministic by the seed). Progress goes to the job (`extracting`, `progress`); with
 * `shared`, the features are kept in shared memory so that several training runs read one copy.
 */
export class JobFeatures {
  private base?: Features;
  private readonly augmented = new Map<number, TrainingFeatures>();
  private done: number;
  private total: number;
  private readonly copies: number;

  constructor(
    private readonly deps: TrainingDeps,
    private readonly job: JobRecord,
    private readonly signal: AbortSignal,
    private readonly model: ServedModel,
    private readonly feature: string,
    private readonly o: FinetuneOptions,
    private readonly train: readonly unknown[],
    private readonly heldOut: readonly unknown[],
    private readonly shared: boolean,
    /** Items the job's progress counted before these features (a distillation's teacher pass). */
    before = 0,
  ) {
    this.copies = o.augment.length ? (o.augmentCopies ?? 2) : 0;
    this.done = before;
    this.total = before + train.length * (1 + this.copies) + heldOut.length;
  }

  /** Training items, augmented copies of them, and held-out items (for the job's `examples`). */
  get counts(): { train: number; validation: number; augmented: number } {
    return { train: this.train.length, validation: this.heldOut.length, augmented: this.train.length * this.copies };
  }

  /** Per item, e.g. [1280] (known once the first features are in). */
  get shape(): number[] {
    return this.base?.shape ?? [];
  }

  private async extract(items: readonly unknown[], withScores: boolean): Promise<Features> {
    const offset = this.done;
    const f = await extractFeatures(this.model, items, this.feature, {
      signal: this.signal,
      withScores,
      onProgress: (done) =>
        this.deps.jobs.update(this.job, { progress: { done: offset + done, total: this.total } }, 'progress'),
      cap: { maxBytes: this.deps.training.maxFeatureBytes, examples: this.total },
    });
    this.done += items.length;
    return f;
  }

  /** The held-out items' features and the served model's scores for them; then the training items' own. */
  async start(): Promise<Features> {
    this.deps.jobs.update(this.job, { state: 'extracting', progress: { done: this.done, total: this.total } });
    this.base = await this.extract(this.train, false);
    const validation = await this.extract(this.heldOut, true);
    return this.shared ? { ...validation, data: sharedCopy(validation.data) } : validation;
  }

  /**
   * The training features at an augmentation strength: the items' own, then their augmented copies (computed
   * the first time this strength is asked for, in state `extracting`).
   */
  async training(strength: number): Promise<TrainingFeatures> {
    const known = this.augmented.get(strength);
    if (known) return known;
    const base = this.base!;
    const n = this.train.length;
    const own = Int32Array.from({ length: n }, (_, i) => i);
    if (this.copies === 0) {
      const t = { features: this.shared ? sharedCopy(base.data) : base.data, source: own };
      this.augmented.set(strength, t);
      return t;
    }
    if (this.augmented.size > 0) {
      this.total += n * this.copies; // another strength: its copies are extracted too
      this.deps.jobs.update(this.job, { state: 'extracting' });
    }
    const plugin = this.model.plugin!;
    const random = seededRandom(this.o.seed);
    const items: unknown[] = [];
    const source = [...own];
    for (let c = 0; c < this.copies; c++) {
      for (let i = 0; i < n; i++) {
        if (this.signal.aborted) throw cancelled();
        items.push(await plugin.finetune!.augment!(this.train[i], this.o.augment, strength, random, this.model.ctx!));
        source.push(i);
      }
    }
    const copies = await this.extract(items, false);
    const length = base.data.length + copies.data.length;
    const features = this.shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
    features.set(base.data);
    features.set(copies.data, base.data.length);
    const t = { features, source: Int32Array.from(source) };
    this.augmented.set(strength, t);
    return t;
  }
}
