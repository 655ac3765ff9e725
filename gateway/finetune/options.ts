import { z } from 'zod';
import { invalidInput } from '../../core/errors.ts';
import { issuesText } from '../../core/issues.ts';

/** `deploy` of a fine-tuning request: what happens to the published version. */
const DeploySchema = z
  .object({
    /**
     * `replace`: it becomes the model's default version at once (hot swap); `canary`: it gets `weight` % of the
     * model's traffic through an experiment named after the model; `shadow`: it gets a copy of the traffic;
     * `none`: it is published and loaded, and serves only when asked for by version.
     */
    mode: z.enum(['replace', 'canary', 'shadow', 'none']).default('none'),
    /** Canary share of the traffic in percent. */
    weight: z.number().gt(0).lt(100).default(10),
  })
  .strict();

/** Bounds of each searchable option, as the options themselves have them. */
const BOUNDS = {
  learningRate: { min: 0, exclusiveMin: true, max: 1, integer: false },
  epochs: { min: 1, exclusiveMin: false, max: 1000, integer: true },
  batchSize: { min: 1, exclusiveMin: false, max: 1024, integer: true },
  augmentStrength: { min: 0, exclusiveMin: true, max: 1, integer: false },
} as const;

/** One option's search space: values to pick from, or a range `{min, max, log?}` drawn at random. */
function spaceOf(name: keyof typeof BOUNDS) {
  const b = BOUNDS[name];
  const value = z
    .number()
    .refine(
      (v) => (b.exclusiveMin ? v > b.min : v >= b.min) && v <= b.max && (!b.integer || Number.isInteger(v)),
      `${name} values must be ${b.integer ? 'integers' : 'numbers'} in ${b.exclusiveMin ? '(' : '['}${b.min}, ${b.max}]`,
    );
  return z.union([
    z.array(value).min(1).max(64),
    z
      .object({ min: value, max: value, log: z.boolean().optional() })
      .strict()
      .refine((r) => r.min <= r.max, 'min must not exceed max'),
  ]);
}

/**
 * `search` of a request: random search over some of the options; each trial trains a candidate on the same
 * features, and the best by validation score goes through the gate.
 */
const SearchSchema = z
  .object({
    /** Trials at most (trial 1 runs the options as sent). */
    trials: z.number().int().min(2).max(100),
    /** The search stops when this many trials in a row have not improved the best validation score by more than `minDelta`. */
    patience: z.number().int().min(1).max(100).default(3),
    minDelta: z.number().min(0).max(1).default(0.001),
    /** What varies; default: learning rate 1e-4..1e-1 (log-uniform) and batch size 16, 32 or 64. */
    space: z
      .object({
        learningRate: spaceOf('learningRate').optional(),
        epochs: spaceOf('epochs').optional(),
        batchSize: spaceOf('batchSize').optional(),
        augmentStrength: spaceOf('augmentStrength').optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The search space when a request names none. */
export const DEFAULT_SEARCH_SPACE = { learningRate: { min: 1e-4, max: 0.1, log: true }, batchSize: [16, 32, 64] };

/** The options of `POST /v1/models/{m}/finetune`, checked before a job is accepted. */
export const FinetuneOptionsSchema = z
  .object({
    epochs: z.number().int().min(1).max(1000).default(20),
    learningRate: z.number().positive().max(1).default(0.001),
    batchSize: z.number().int().min(1).max(1024).default(32),
    /** Share of each class held out for validation when no separate validation set is sent. */
    validationSplit: z.number().min(0.05).max(0.5).default(0.2),
    /** Early stopping: epochs without a better validation loss before training stops (0 = off). */
    patience: z.number().int().min(0).max(1000).default(5),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    /** Augmentations the model's plugin implements (images: flip, crop, colour); none by default. */
    augment: z.array(z.string().max(32)).max(16).default([]),
    /** Augmented copies of each training example (0..20; default 2 when `augment` names any). */
    augmentCopies: z.number().int().min(0).max(20).optional(),
    /** How far augmentation may change an example, (0, 1]. */
    augmentStrength: z.number().gt(0).max(1).default(1),
    /** Units of a hidden layer in the new head (0 = a single softmax layer). */
    hidden: z.number().int().min(0).max(4096).default(0),
    dropout: z.number().min(0).max(0.9).default(0),
    /** Trainable layers of the base reused after the feature layer (TensorFlow.js layers models only). */
    unfreeze: z.number().int().min(0).max(16).default(0),
    /** The validation gate: the candidate must reach this accuracy (default FINETUNE_MIN_ACCURACY)… */
    minAccuracy: z.number().min(0).max(1).optional(),
    /** …and, when the label sets match, not score below the version it replaces on the same examples. */
    notWorse: z.boolean().default(true),
    /** The version fine-tuned (a number or label); default: the model's default version. */
    baseVersion: z.union([z.number().int().positive(), z.string().max(64)]).optional(),
    deploy: DeploySchema.default({ mode: 'none', weight: 10 }),
    /** Hyper-parameter search (random search with early stopping); none by default. */
    search: SearchSchema.optional(),
  })
  .strict();

export type FinetuneOptions = z.infer<typeof FinetuneOptionsSchema>;

/** Parses options (from a JSON body or a multipart `options` part); INVALID_INPUT naming each problem. */
export function parseOptions(raw: unknown): FinetuneOptions {
  const parsed = FinetuneOptionsSchema.safeParse(raw ?? {});
  if (!parsed.success) throw invalidInput(`fine-tuning options: ${issuesText(parsed.error, '(options)')}`);
  return parsed.data;
}
