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
  })
  .strict();

export type FinetuneOptions = z.infer<typeof FinetuneOptionsSchema>;

/** Parses options (from a JSON body or a multipart `options` part); INVALID_INPUT naming each problem. */
export function parseOptions(raw: unknown): FinetuneOptions {
  const parsed = FinetuneOptionsSchema.safeParse(raw ?? {});
  if (!parsed.success) throw invalidInput(`fine-tuning options: ${issuesText(parsed.error, '(options)')}`);
  return parsed.data;
}
