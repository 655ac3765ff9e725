import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import { issuesText } from '../../core/issues.ts';
import { featureOutput } from '../../model-store/finetune.ts';
import { isModelName, shown } from '../../model-store/names.ts';
import type { ModelRepository } from '../../model-store/repository.ts';
import { modelExists } from '../../model-store/scan.ts';
import type { PluginContext, ModelPlugin } from '../../plugins/plugin.ts';
import { NgramSpecSchema, type NgramSpec } from '../../runtimes/ngram/features.ts';
import { memberSpecs } from '../ensembles/ensemble-model.ts';
import type { Servable } from '../models/servable.ts';
import { ServedModel } from '../models/served-model.ts';

const modelName = z.string().refine(isModelName, 'not a valid model name');

/**
 * `student` of a distillation request: a model of the store (its served version's features train the new
 * head), or an architecture built from scratch; `name` publishes it as a new model of that name (an
 * architecture always is: default `<ensemble>-ngram`), else as a new version of the student model.
 */
const StudentSchema = z.union([
  modelName.transform((model) => ({ model })),
  z
    .object({
      model: modelName,
      version: z.union([z.number().int().positive(), z.string().max(64)]).optional(),
      name: modelName.optional(),
    })
    .strict(),
  z
    .object({
      architecture: z.literal('char-ngram'),
      name: modelName.optional(),
      /** N-gram orders and hash buckets of the features (runtimes/ngram). */
      orders: NgramSpecSchema.shape.orders.optional(),
      buckets: NgramSpecSchema.shape.buckets.optional(),
    })
    .strict(),
]);

/** A student that is a served model: a head is trained on its `feature` output. */
export interface ModelStudent {
  kind: 'model';
  model: ServedModel;
  feature: string;
  /** Publish as a new model of this name instead of a new version of `model`. */
  publishAs?: string;
}

/**
 * A student built from an architecture: a character n-gram featurizer (the `ngram` runtime) and a head,
 * served by the plugin of a teacher member (`reader`), which also reads the inputs.
 */
export interface ArchitectureStudent {
  kind: 'architecture';
  architecture: 'char-ngram';
  spec: NgramSpec;
  publishAs: string;
  reader: { plugin: ModelPlugin; ctx: PluginContext; member: ServedModel };
}

export type Student = ModelStudent | ArchitectureStudent;

/** Bytes of a served version's model files: the size of its weights, near enough, to rank members by cost. */
export function modelBytes(m: ServedModel): number {
  const size = (p: string): number => {
    try {
      const s = statSync(p);
      if (!s.isDirectory()) return s.size;
      return readdirSync(p).reduce((a, f) => a + size(join(p, f)), 0);
    } catch {
      return 0;
    }
  };
  const p = m.source.path;
  if (!p) return 0;
  // A TensorFlow.js model.json sits beside its weight shards: the folder counts.
  return p.endsWith('.json') ? size(dirname(p)) : size(p);
}

/** Why a served model cannot be a student (undefined when it can). */
function whyNot(m: Servable): string | undefined {
  if (!(m instanceof ServedModel)) return `'${m.name}' is an ensemble`;
  if (!m.plugin?.finetune || !m.ctx)
    return `'${m.name}'${m.plugin ? `'s plugin '${m.plugin.name}' declares no finetune capability` : ' has no plugin'}`;
  if (!featureOutput(m.entry, m.source)) return `'${m.name}' names no feature output ("finetune": {"feature": …})`;
  return undefined;
}

/** The ensemble's members as served now. */
function members(repository: ModelRepository<Servable>, teacher: Servable): Servable[] {
  return memberSpecs(teacher.config.ensemble!).flatMap((s) => {
    try {
      return [repository.get(s.model, s.version)];
    } catch {
      return [];
    }
  });
}

const modality = (m: Servable) => m.describe().modality as string | undefined;

/**
 * Resolves a request's `student` against the store: a named model (any servable model of the teacher's
 * modality whose plugin can be fine-tuned and whose config names a feature output), a `char-ngram`
 * architecture (text ensembles), or by default the ensemble's cheapest member that can be trained (by the
 * bytes of its model files) — for a text ensemble none of whose members can, a `char-ngram` student.
 * INVALID_INPUT / MODEL_NOT_FOUND / NOT_TRAINABLE naming the problem.
 */
export function resolveStudent(
  repository: ModelRepository<Servable>,
  teacher: Servable,
  raw: unknown,
  baseVersion?: number | string,
): Student {
  let spec: z.infer<typeof StudentSchema> | undefined;
  if (raw !== undefined) {
    const parsed = StudentSchema.safeParse(raw);
    if (!parsed.success)
      throw invalidInput(
        `student: a model name, {"model": …, "name"?: …} or {"architecture": "char-ngram", "name"?: …}: ${issuesText(parsed.error, '(student)')}`,
      );
    spec = parsed.data;
  }
  const teacherModality = modality(teacher);
  if (spec && 'architecture' in spec) return architecture(repository, teacher, spec);
  if (!spec) {
    const candidates = members(repository, teacher).filter((m): m is ServedModel => !whyNot(m));
    if (!candidates.length) {
      if (teacherModality === 'text') return architecture(repository, teacher, { architecture: 'char-ngram' });
      const why = members(repository, teacher).map(whyNot).join('; ');
      throw new GatewayError(
        'NOT_TRAINABLE',
        `no member of ensemble '${teacher.name}' can be trained as its student (${why}): name one with "student"`,
      );
    }
    const cheapest = candidates.reduce((a, b) => (modelBytes(b) < modelBytes(a) ? b : a));
    spec = { model: cheapest.name };
  }
  const version = 'version' in spec && spec.version !== undefined ? spec.version : baseVersion;
  const model = repository.get(spec.model, version === undefined ? undefined : String(version));
  const why = whyNot(model);
  if (why) throw new GatewayError('NOT_TRAINABLE', `${why}: it cannot be trained as a student`);
  const served = model as ServedModel;
  if (served.plugin!.modality !== teacherModality)
    throw invalidInput(
      `student '${served.name}' is a ${served.plugin!.modality} model; ensemble '${teacher.name}' takes ${teacherModality ?? 'other'} inputs`,
    );
  return {
    kind: 'model',
    model: served,
    feature: featureOutput(served.entry, served.source)!,
    ...('name' in spec && spec.name !== undefined ? { publishAs: spec.name } : {}),
  };
}

/** A char-ngram student: text ensembles only, read and served by a teacher member's text plugin. */
function architecture(
  repository: ModelRepository<Servable>,
  teacher: Servable,
  spec: {
    architecture: 'char-ngram';
    name?: string | undefined;
    orders?: number[] | undefined;
    buckets?: number | undefined;
  },
): ArchitectureStudent {
  const member = members(repository, teacher).find(
    (m): m is ServedModel => m instanceof ServedModel && m.plugin?.modality === 'text' && !!m.ctx,
  );
  if (!member || modality(teacher) !== 'text')
    throw new GatewayError(
      'NOT_TRAINABLE',
      `a char-ngram student reads text: ensemble '${teacher.name}' has no member served by a text plugin`,
    );
  if (!member.plugin!.finetune)
    throw new GatewayError('NOT_TRAINABLE', `plugin '${member.plugin!.name}' declares no finetune capability`);
  return {
    kind: 'architecture',
    architecture: 'char-ngram',
    spec: NgramSpecSchema.parse({
      format: 'char-ngram',
      ...(spec.orders ? { orders: spec.orders } : {}),
      ...(spec.buckets ? { buckets: spec.buckets } : {}),
    }),
    publishAs: spec.name ?? `${teacher.name}-ngram`,
    reader: { plugin: member.plugin!, ctx: member.ctx!, member },
  };
}

/** The student's model name as published, for messages and the job record. */
export const studentName = (s: Student): string => (s.kind === 'model' ? (s.publishAs ?? s.model.name) : s.publishAs);

/** CONFLICT when the student would be published as a new model whose name is taken. */
export function checkPublishable(repository: ModelRepository<Servable>, s: Student): void {
  const name = s.publishAs;
  if (name !== undefined && modelExists(repository.store, name))
    throw new GatewayError(
      'CONFLICT',
      `a model '${shown(name)}' exists already: name the new student with "student": {"name": …}`,
    );
}
