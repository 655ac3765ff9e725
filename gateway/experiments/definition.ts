import { z } from 'zod';
import { invalidInput } from '../../core/errors.ts';
import { isVersionLabel } from '../../model-store/labels.ts';
import { isModelName, parseVersion, shown } from '../../model-store/names.ts';
import { issuesText } from '../../core/issues.ts';

/** Where a variant sends its requests: a model (newest version), a version (`m:2`) or a label (`m@canary`). */
export interface Target {
  model: string;
  /** A version number or a version label, resolved at each request (a label that moves is followed). */
  version?: string;
}

/**
 * Parses a variant target: `model`, `model:version` or `model@label`; undefined when it is none of them.
 *
 * @example parseTarget('lang-fasttext@canary') // { model: 'lang-fasttext', version: 'canary' }
 */
export function parseTarget(spec: string): Target | undefined {
  const m = /^([^:@]+)(?:([:@])(.+))?$/.exec(spec);
  if (!m || !isModelName(m[1])) return undefined;
  if (m[2] === ':' && parseVersion(m[3]) === undefined) return undefined;
  if (m[2] === '@' && !isVersionLabel(m[3])) return undefined;
  return { model: m[1], ...(m[3] !== undefined ? { version: m[3] } : {}) };
}

const VARIANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
const targetSpec = z
  .string()
  .refine(
    (s) => parseTarget(s) !== undefined,
    'a target is "model", "model:version" or "model@label" (valid model name, positive version, label starting with a letter)',
  );

const VariantObject = z
  .object({
    /** Shown in the `massgate-variant` header, the figures and the metrics; default: the target. */
    name: z
      .string()
      .regex(VARIANT_NAME, 'a variant name is 1 to 128 letters, digits, _ . : @ -, starting with a letter or digit')
      .optional(),
    target: targetSpec,
    /** Share of the traffic relative to the other live variants (ignored for shadows). */
    weight: z.number().positive('weights are positive').refine(Number.isFinite, 'weights are finite').default(1),
    /** Gets a copy of the requests; its answers never reach the client. */
    shadow: z.boolean().default(false),
    /** Gets no traffic (its sticky keys go to the others, and come back on resume). */
    paused: z.boolean().default(false),
  })
  .strict();

const ExperimentSchema = z
  .object({
    description: z.string().max(1000).optional(),
    /** `weighted` (default): fixed weights; `bandit`: Thompson sampling over the clients' rewards. */
    mode: z.enum(['weighted', 'bandit']).default('weighted'),
    variants: z
      .array(z.preprocess((v) => (typeof v === 'string' ? { target: v } : v), VariantObject))
      .min(1)
      .max(32),
    /**
     * The variant shadows are compared with and whose metadata the experiment answers with; default: the first that is
     * not a shadow.
     */
    control: z.string().optional(),
    /** The header carrying the sticky key (default: the gateway's EXPERIMENT_KEY_HEADER, `x-user-id`). */
    keyHeader: z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'not a valid header name')
      .transform((h) => h.toLowerCase())
      .optional(),
    /** Bandit settings: the smallest share any live variant keeps (exploration floor). */
    bandit: z
      .object({ floor: z.number().min(0).max(0.5).default(0.05) })
      .strict()
      .optional(),
  })
  .strict();

export interface Variant {
  name: string;
  target: string;
  parsed: Target;
  weight: number;
  shadow: boolean;
  paused: boolean;
}

/** A checked experiment definition (names unique, one live variant at least, control known). */
export interface Definition {
  description?: string;
  mode: 'weighted' | 'bandit';
  variants: Variant[];
  control: string;
  keyHeader?: string;
  bandit?: { floor: number };
}

/**
 * Parses and checks an experiment definition (its shape only; the variants' models are checked by
 * `checkCompatible`). INVALID_INPUT (400) naming the problem.
 */
export function parseDefinition(raw: unknown, where: string): Definition {
  const parsed = ExperimentSchema.safeParse(raw);
  if (!parsed.success) throw invalidInput(`${where}: ${issuesText(parsed.error, '(definition)')}`);
  const d = parsed.data;
  const variants: Variant[] = d.variants.map((v) => {
    return {
      name: v.name ?? v.target,
      target: v.target,
      parsed: parseTarget(v.target)!,
      weight: v.weight,
      shadow: v.shadow,
      paused: v.paused,
    };
  });
  const seen = new Set<string>();
  for (const v of variants) {
    if (seen.has(v.name)) throw invalidInput(`${where}: duplicate variant '${shown(v.name)}'`);
    seen.add(v.name);
  }
  const targets = new Set<string>();
  for (const v of variants) {
    if (targets.has(v.target)) throw invalidInput(`${where}: duplicate variant target '${shown(v.target)}'`);
    targets.add(v.target);
  }
  const live = variants.filter((v) => !v.shadow);
  if (live.length === 0) throw invalidInput(`${where}: every variant is a shadow; at least one must serve`);
  const control = d.control ?? live[0]!.name;
  const c = variants.find((v) => v.name === control);
  if (!c) throw invalidInput(`${where}: control '${shown(control)}' is not one of the variants`);
  if (c.shadow) throw invalidInput(`${where}: control '${shown(control)}' is a shadow`);
  return {
    ...(d.description !== undefined ? { description: d.description } : {}),
    mode: d.mode,
    variants,
    control,
    ...(d.keyHeader !== undefined ? { keyHeader: d.keyHeader } : {}),
    ...(d.mode === 'bandit' ? { bandit: { floor: d.bandit?.floor ?? 0.05 } } : {}),
  };
}

/** A definition as JSON (what is persisted and shown; parses back to the same definition). */
export function definitionJson(d: Definition): Record<string, unknown> {
  return {
    ...(d.description !== undefined ? { description: d.description } : {}),
    mode: d.mode,
    control: d.control,
    ...(d.keyHeader !== undefined ? { keyHeader: d.keyHeader } : {}),
    ...(d.bandit ? { bandit: d.bandit } : {}),
    variants: d.variants.map((v) => ({
      name: v.name,
      target: v.target,
      weight: v.weight,
      ...(v.shadow ? { shadow: true } : {}),
      ...(v.paused ? { paused: true } : {}),
    })),
  };
}
