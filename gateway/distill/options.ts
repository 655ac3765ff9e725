import { z } from 'zod';
import { invalidInput } from '../../core/errors.ts';
import { issuesText } from '../../core/issues.ts';
import { FinetuneOptionsSchema } from '../finetune/options.ts';

/**
 * The options of `POST /v1/models/{ensemble}/distill`: those of fine-tuning (epochs, learning rate, batch
 * size, validation split, patience, seed, augmentation, head, gate, search), plus the temperature and the
 * loss of the soft targets and how many held-out inputs are timed. `minAccuracy` and `notWorse` apply to
 * the student's top-1 agreement with the teacher (and its base's). `baseVersion` is the student's version.
 */
export const DistillOptionsSchema = FinetuneOptionsSchema.extend({
  /** T: teacher and student probabilities are tempered as softmax(log p / T) in the loss (> 1 shows more of the teacher's doubt). */
  temperature: z.number().gt(0).max(100).default(2),
  /** `kl`: T²·KL(teacher ‖ student); `cross-entropy`: T²·H(teacher, student) (the same gradients). */
  loss: z.enum(['kl', 'cross-entropy']).default('kl'),
  /** Held-out inputs sent to the teacher and the published student to time them (0 = not timed). */
  benchmark: z.number().int().min(0).max(1000).default(32),
  /**
   * `canary`: the student gets `weight` % of the ensemble's traffic through an experiment named after the
   * ensemble; `shadow`: a copy of it, its agreement recorded; `none`: published and loaded only.
   */
  deploy: z
    .object({
      mode: z.enum(['canary', 'shadow', 'none']).default('none'),
      weight: z.number().gt(0).lt(100).default(10),
    })
    .strict()
    .default({ mode: 'none', weight: 10 }),
});

export type DistillOptions = z.infer<typeof DistillOptionsSchema>;

/** Parses distillation options (a JSON body's `options`, or a multipart `options` part); INVALID_INPUT naming each problem. */
export function parseDistillOptions(raw: unknown): DistillOptions {
  const parsed = DistillOptionsSchema.safeParse(raw ?? {});
  if (!parsed.success) throw invalidInput(`distillation options: ${issuesText(parsed.error, '(options)')}`);
  return parsed.data;
}
