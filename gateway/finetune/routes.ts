import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import { checkModelName, shown } from '../../model-store/names.ts';
import { featureOutput } from '../../model-store/finetune.ts';
import type { ModelRepository } from '../../model-store/repository.ts';
import { readForm, readJson, type GatewayEnv } from '../http/body.ts';
import { isMultipart, requireJsonType } from '../http/content.ts';
import { ServedModel } from '../models/served-model.ts';
import type { Servable } from '../models/servable.ts';
import { checkCompatible } from '../experiments/compatibility.ts';
import { checkClasses, checkExamples } from './checks.ts';
import { fromForm, fromJson, type DatasetLimits, type ItemReader } from './dataset.ts';
import { undeploy } from './deploy.ts';
import { FINAL_STATES, type JobRecord } from './job.ts';
import { parseOptions } from './options.ts';
import { runJob, type RunnerDeps } from './runner.ts';

export interface FinetuneRouteDeps extends RunnerDeps {
  repository: ModelRepository<Servable>;
  limits: Omit<DatasetLimits, 'maxFileBytes'> & { minPerClass: number; maxFileBytes: number };
  /** Jobs running now (the gateway waits for them on close). */
  running: Set<Promise<void>>;
}

/**
 * The served version to fine-tune (a lazy model loads now, as a first request would), with its plugin's capability
 * and the feature output; NOT_TRAINABLE otherwise.
 */
async function trainable(
  repository: ModelRepository<Servable>,
  name: string,
  version?: string,
): Promise<{ model: ServedModel; feature: string }> {
  const model = await repository.acquire(name, version);
  if (!(model instanceof ServedModel))
    throw new GatewayError('NOT_TRAINABLE', `'${name}' is an ensemble: fine-tune its members (or distil it)`);
  if (!model.plugin?.finetune || !model.ctx) {
    throw new GatewayError(
      'NOT_TRAINABLE',
      `model '${name}' cannot be fine-tuned: ${model.plugin ? `its plugin '${model.plugin.name}' declares no finetune capability` : 'it has no plugin'}`,
    );
  }
  const feature = featureOutput(model.entry, model.source);
  if (!feature)
    throw new GatewayError(
      'NOT_TRAINABLE',
      `model '${name}' names no feature output to train a head on: set "finetune": {"feature": "<layer or node>"} in its config.json`,
    );
  return { model, feature };
}

const sameSet = (a: readonly string[], b: readonly string[] | undefined) =>
  !!b && a.length === new Set(b).size && a.every((x) => b.includes(x));

/** Loaded ensembles that vote over `name`'s default version (a member named without a version). */
function ensemblesOver(repository: ModelRepository<Servable>, name: string): string[] {
  return repository
    .readyModels()
    .filter((n) =>
      repository
        .entryOf(n)
        ?.config.ensemble?.members.some((m) =>
          typeof m === 'string' ? m === name : m.model === name && m.version === undefined,
        ),
    );
}

/** A job as answered: the record plus links. */
export function shownJob(job: JobRecord): Record<string, unknown> {
  return { ...job, links: { self: `/v1/jobs/${job.id}`, events: `/v1/jobs/${job.id}/events` } };
}

/**
 * The training hook's HTTP API (admin): `POST /v1/models/{m}/finetune` (202 + job), `GET /v1/jobs[?model=]`,
 * `GET /v1/jobs/{id}`, `GET /v1/jobs/{id}/events` (server-sent events until the job ends), `DELETE
 * /v1/jobs/{id}` (cancel), `POST /v1/models/{m}/rollback` (undo the last deploy of a fine-tuned version).
 */
export function finetuneRoutes(deps: FinetuneRouteDeps): Hono<GatewayEnv> {
  const { jobs, repository } = deps;
  const app = new Hono<GatewayEnv>();

  app.post('/v1/models/:model/finetune', async (c) => {
    const name = checkModelName(c.req.param('model'));
    const type = c.req.header('content-type');
    requireJsonType(type, ['multipart/form-data']);
    // Cheap refusals first, before the body is read: unknown model, not trainable, a job already running.
    const pre = await trainable(repository, name);
    const busy = jobs.active(name);
    if (busy)
      throw new GatewayError(
        'CONFLICT',
        `model '${name}' already has a fine-tuning job running (${busy.id}); cancel it or wait for it to finish`,
      );
    const cap = pre.model.plugin!.finetune!;
    const ctx = pre.model.ctx!;
    const reader: ItemReader = {
      fromInstance: (i) => (cap.fromInstance ? cap.fromInstance(i, ctx) : pre.model.plugin!.parseInstance(i, ctx)),
      fromFile: (b) => cap.fromFile(b, ctx),
    };
    const ds = isMultipart(type)
      ? await fromForm(await readForm(c), reader, deps.limits)
      : await fromJson(await readJson(c), reader, deps.limits);
    const options = parseOptions(ds.options);
    const unknown = options.augment.filter((a) => !cap.augmentations.includes(a));
    if (unknown.length)
      throw invalidInput(
        `augmentations ${unknown.map((a) => `'${shown(a)}'`).join(', ')} are not offered by plugin '${pre.model.plugin!.name}' (it offers: ${cap.augmentations.join(', ') || 'none'})`,
      );
    // The version fine-tuned: the one asked for, else the default one (looked up again: a swap may have happened
    // meanwhile).
    const { model, feature } =
      options.baseVersion !== undefined
        ? await trainable(repository, name, String(options.baseVersion))
        : await trainable(repository, name);
    const classes = checkClasses(ds, deps.limits.minPerClass);
    if (options.deploy.mode === 'replace' && !sameSet(classes, model.labels)) {
      const voters = ensemblesOver(repository, name);
      if (voters.length) {
        throw new GatewayError(
          'CONFLICT',
          `model '${name}' is a member of ensemble ${voters.map((v) => `'${v}'`).join(', ')}, which votes over its current labels: a replace with other labels (${classes.join(', ').slice(0, 200)}) would change what it counts; deploy as 'none', 'canary' or 'shadow', or pin the member to a version ("${name}:${model.version}")`,
        );
      }
    }
    if (options.deploy.mode === 'canary' || options.deploy.mode === 'shadow') {
      // The experiment that will route between the two must accept them: checked now, not after training.
      checkCompatible(`deploy mode '${options.deploy.mode}'`, [
        { variant: 'stable', inputs: model.inputs, ...(model.labels ? { labels: model.labels } : {}) },
        { variant: 'candidate', inputs: model.inputs, labels: classes },
      ]);
    }
    await checkExamples([...ds.train, ...ds.validation], (item) => cap.check(item, ctx));
    const { job, signal } = jobs.create({
      model: name,
      baseVersion: model.version,
      options,
      classes,
      examples: { train: ds.train.length, validation: ds.validation.length, augmented: 0 },
    });
    const run = runJob(deps, job, signal, {
      model,
      feature,
      classes,
      train: ds.train,
      validation: ds.validation,
      options,
    });
    deps.running.add(run);
    void run.finally(() => deps.running.delete(run));
    return c.json(shownJob(job), 202, { location: `/v1/jobs/${job.id}` });
  });

  app.get('/v1/jobs', (c) => {
    const model = c.req.query('model');
    return c.json({ jobs: jobs.list(model).map(shownJob) });
  });

  app.get('/v1/jobs/:id', (c) => c.json(shownJob(jobs.get(c.req.param('id')))));

  app.delete('/v1/jobs/:id', (c) => c.json(shownJob(jobs.cancel(c.req.param('id'))), 202));

  app.get('/v1/jobs/:id/events', (c) => {
    const job = jobs.get(c.req.param('id'));
    return streamJob(c, deps, job);
  });

  app.post('/v1/models/:model/rollback', async (c) => {
    const name = checkModelName(c.req.param('model'));
    repository.get(name); // 404 / 503 as a request would
    const last = jobs
      .list(name)
      .find(
        (j) =>
          j.state === 'succeeded' && j.result?.deploy && j.result.deploy.mode !== 'none' && !j.result.deploy.rolledBack,
      );
    if (!last) throw new GatewayError('CONFLICT', `model '${name}' has no deployed fine-tuned version to roll back`);
    await undeploy(deps, name, last.result!.deploy!);
    jobs.update(last, { result: { ...last.result!, deploy: { ...last.result!.deploy!, rolledBack: true } } });
    return c.json({
      model: name,
      rolled_back: { job: last.id, version: last.result!.version, mode: last.result!.deploy!.mode },
      default_version: repository.defaultVersion(name),
    });
  });

  return app;
}

/**
 * Server-sent events of one job: its record now, then at every change (`state`, `progress`, `epoch`), until it ends.
 */
function streamJob(c: Context<GatewayEnv>, deps: FinetuneRouteDeps, job: JobRecord): Response {
  return streamSSE(c, async (stream) => {
    // The record is rendered when the change happens (not when the queued write runs): each event shows its own state.
    const send = (event: string, j: JobRecord) => {
      const message = { event, id: j.updatedAt, data: JSON.stringify(shownJob(j)) };
      return () => stream.writeSSE(message).catch(() => undefined);
    };
    // Listening starts before the first event is written, so that no change can fall between the two.
    await new Promise<void>((resolve) => {
      let writes = send('state', job)();
      const heartbeat = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), 15_000);
      const stop = () => {
        clearInterval(heartbeat);
        unsubscribe();
        void writes.then(() => resolve());
      };
      const unsubscribe = deps.jobs.subscribe(job.id, (event, j) => {
        const write = send(event, j);
        writes = writes.then(write);
        if (FINAL_STATES.includes(j.state)) stop();
      });
      stream.onAbort(stop);
      if (FINAL_STATES.includes(job.state)) stop();
    });
  });
}
