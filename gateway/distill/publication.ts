import type { TrainResult } from '../../training/types.ts';
import type { JobRecord, JobResult } from '../finetune/job.ts';
import type { ModelPublication, Publication } from '../finetune/publish.ts';
import { NGRAM_OUTPUT } from '../../runtimes/ngram/index.ts';
import type { PreparedDistillation } from './runner.ts';

type Written = 'report' | 'curvesSvg';

/** Where a distilled student goes: a new version of its model, or a new model (config.json and version 1). */
export type StudentPublication =
  | { kind: 'version'; model: string; files: Omit<Publication, Written> }
  | { kind: 'model'; model: string; files: Omit<ModelPublication, Written> };

/** Fields of a model's config.json that a new model made from it keeps (serving, not identity). */
const KEPT = ['plugin', 'runtime', 'providers', 'runtimeOptions', 'params', 'batching', 'cache', 'finetune'] as const;

/**
 * What publishing a distilled student writes: its head, a version config naming the teacher's labels,
 * the head's feature and the `distilled` provenance; as a new version of the student model (the base's
 * model files copied), or as a new model — whose config keeps the serving settings of the model it was
 * made from, or for a char-ngram student names the `ngram` runtime, the reading plugin and `ngrams` as
 * its feature (so it can be fine-tuned or distilled again).
 */
export function publication(
  store: string,
  p: PreparedDistillation,
  job: JobRecord,
  result: TrainResult,
  outcome: JobResult,
  classes: string[],
): StudentPublication {
  const s = p.student;
  const d = outcome.distill!;
  const feature = s.kind === 'model' ? s.feature : NGRAM_OUTPUT;
  const name = s.kind === 'model' ? (s.publishAs ?? s.model.name) : s.publishAs;
  const from =
    s.kind === 'model'
      ? `${s.model.name} version ${s.model.version}'s features`
      : `character n-grams (${s.spec.orders.join(', ')})`;
  const versionConfig = {
    description: `${p.teacher.name} distilled into ${from} by job ${job.id} (agreement ${d.agreement.student.toFixed(3)})`,
    labels: classes,
    head: { path: 'head/model.json', feature },
    distilled: {
      teacher: { model: p.teacher.name, version: p.teacher.version },
      ...(s.kind === 'model'
        ? { base: { model: s.model.name, version: s.model.version } }
        : { architecture: s.architecture }),
      job: job.id,
      createdAt: new Date().toISOString(),
      scores: {
        agreement: d.agreement.student,
        base_agreement: d.agreement.base ?? null,
        ...(d.accuracy ? { accuracy: d.accuracy.student, teacher_accuracy: d.accuracy.teacher } : {}),
      },
      temperature: d.temperature,
      options: { ...p.options, deploy: undefined },
    },
  };
  const files = {
    job: job.id,
    head: { modelJson: result.modelJson, weights: result.weights },
    versionConfig,
    ...(s.kind === 'model' ? { baseDir: s.model.source.dir } : { baseFiles: { 'model.json': JSON.stringify(s.spec) } }),
  };
  if (s.kind === 'model' && s.publishAs === undefined)
    return { kind: 'version', model: name, files: { ...files, modelDir: s.model.entry.dir } };
  const source = s.kind === 'model' ? s.model.entry.config : s.reader.member.entry.config;
  const kept = Object.fromEntries(KEPT.flatMap((f) => (source[f] !== undefined ? [[f, source[f]]] : [])));
  const modelConfig =
    s.kind === 'model'
      ? { description: versionConfig.description, ...kept }
      : {
          description: versionConfig.description,
          plugin: s.reader.plugin.name,
          runtime: 'ngram',
          params: kept.params ?? {},
          batching: { maxBatchSize: 32, maxQueueDelayMs: 1 },
          ...(kept.cache ? { cache: kept.cache } : {}),
          finetune: { feature: NGRAM_OUTPUT },
        };
  return { kind: 'model', model: name, files: { ...files, store, name, modelConfig } };
}
