import { Hono } from 'hono';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import { checkModelName, shown } from '../../model-store/names.ts';
import { readForm, readJson, type GatewayEnv } from '../http/body.ts';
import { isMultipart, requireJsonType } from '../http/content.ts';
import { checkCompatible } from '../experiments/compatibility.ts';
import { checkExamples } from '../finetune/checks.ts';
import { shownJob, type FinetuneRouteDeps } from '../finetune/routes.ts';
import { distillFromForm, distillFromJson } from './inputs.ts';
import { parseDistillOptions } from './options.ts';
import { runDistill } from './runner.ts';
import { checkPublishable, resolveStudent, studentName, type Student } from './student.ts';

/** The plugin and context that read the inputs for the student (and check them). */
const readerOf = (s: Student) =>
  s.kind === 'model' ? { plugin: s.model.plugin!, ctx: s.model.ctx! } : { plugin: s.reader.plugin, ctx: s.reader.ctx };

/**
 * `POST /v1/models/{ensemble}/distill` (admin): trains a student on the ensemble's answers to unlabelled
 * inputs (JSON instances, multipart files, or a folder inside FINETUNE_DATA_ROOT) and publishes it; `202` +
 * the job, followed like a fine-tuning job (`/v1/jobs/{id}`, its events, cancel, rollback). Refusals before
 * any job starts: 400 (not an ensemble, no student, bad inputs or options), 404, 409 (a job of the
 * ensemble or the student running, the new model's name taken), 413.
 */
export function distillRoutes(deps: FinetuneRouteDeps): Hono<GatewayEnv> {
  const { jobs, repository } = deps;
  const app = new Hono<GatewayEnv>();

  app.post('/v1/models/:model/distill', async (c) => {
    const name = checkModelName(c.req.param('model'));
    const type = c.req.header('content-type');
    requireJsonType(type, ['multipart/form-data']);
    // A lazy ensemble ("load": "lazy") loads now, with its members, as a first request would.
    const teacher = await repository.acquire(name);
    if (teacher.platform !== 'ensemble' || !teacher.labels)
      throw new GatewayError(
        'NOT_TRAINABLE',
        `'${name}' is not an ensemble: distillation trains a student on an ensemble's answers (fine-tune a model instead)`,
      );
    const busy = jobs.active(name);
    if (busy)
      throw new GatewayError(
        'CONFLICT',
        `'${name}' already has a job running (${busy.id}); cancel it or wait for it to finish`,
      );
    const request = isMultipart(type)
      ? await distillFromForm(await readForm(c), deps.limits)
      : await distillFromJson(await readJson(c), deps.limits);
    const options = parseDistillOptions(request.options);
    const student = resolveStudent(repository, teacher, request.student, options.baseVersion);
    const studentBusy = jobs.active(student.kind === 'model' ? student.model.name : student.publishAs);
    if (studentBusy)
      throw new GatewayError(
        'CONFLICT',
        `the student '${studentName(student)}' has a job running (${studentBusy.id}); cancel it or wait for it to finish`,
      );
    checkPublishable(repository, student);
    const { plugin, ctx } = readerOf(student);
    const cap = plugin.finetune!;
    const unknown = options.augment.filter((a) => !cap.augmentations.includes(a));
    if (unknown.length)
      throw invalidInput(
        `augmentations ${unknown.map((a) => `'${shown(a)}'`).join(', ')} are not offered by plugin '${plugin.name}' (it offers: ${cap.augmentations.join(', ') || 'none'})`,
      );
    if (student.kind === 'architecture' && (options.unfreeze > 0 || options.baseVersion !== undefined))
      throw invalidInput(`a ${student.architecture} student has no base model: unfreeze and baseVersion do not apply`);
    // The experiment that will route between the ensemble and the student must accept them: checked now.
    if (options.deploy.mode !== 'none') {
      checkCompatible(`deploy mode '${options.deploy.mode}'`, [
        { variant: 'ensemble', inputs: teacher.inputs, labels: teacher.labels },
        {
          variant: 'student',
          inputs: student.kind === 'model' ? student.model.inputs : student.reader.member.inputs,
          labels: teacher.labels,
        },
      ]);
    }
    const minInputs = Math.max(4, 2 * deps.limits.minPerClass);
    if (request.inputs.length < minInputs)
      throw invalidInput(
        `${request.inputs.length ? `only ${request.inputs.length} inputs` : 'no inputs'}: a distillation needs ${minInputs} at least (send "inputs", a "dataset" folder, or files)`,
      );
    const strange = request.inputs.filter((x) => x.label !== undefined && !teacher.labels!.includes(x.label));
    if (strange.length)
      throw invalidInput(
        `labels not among the ensemble's: ${strange
          .slice(0, 5)
          .map((x) => `${shown(x.name)} ('${shown(x.label!)}')`)
          .join(', ')}`,
      );
    const examples = await Promise.all(
      request.inputs.map(async (x) => ({
        name: x.name,
        label: x.label,
        item: x.bytes !== undefined ? cap.fromFile(x.bytes, ctx) : await plugin.parseInstance(x.instance, ctx),
      })),
    );
    await checkExamples(examples, (item) => cap.check(item, ctx));
    const { job, signal } = jobs.create({
      kind: 'distill',
      model: name,
      baseVersion: teacher.version,
      student:
        student.kind === 'model'
          ? { model: studentName(student) }
          : { model: student.publishAs, architecture: student.architecture },
      options,
      classes: [...teacher.labels],
      examples: {
        train: request.inputs.length,
        validation: 0,
        augmented: 0,
        labelled: request.inputs.filter((x) => x.label !== undefined).length,
      },
    });
    const run = runDistill(deps, job, signal, {
      teacher,
      student,
      inputs: request.inputs,
      items: examples.map((e) => e.item),
      options,
    });
    deps.running.add(run);
    void run.finally(() => deps.running.delete(run));
    return c.json(shownJob(job), 202, { location: `/v1/jobs/${job.id}` });
  });

  return app;
}
