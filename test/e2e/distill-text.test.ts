import { describe, expect, it } from 'vitest';
import { getJson, postJson, startGateway, useGateway } from '../support/gateway.ts';
import { storeWithShippedModels } from '../support/tiny-models.ts';
import { followJob } from '../support/jobs.ts';
import { languageTexts } from '../support/texts.ts';
import type { TrialRow } from '../../gateway/finetune/job.ts';

const ENSEMBLE = 'lang-ensemble';
const STUDENT = 'lang-ensemble-ngram';

describe('distilling lang-ensemble (fastText, CLD3, lande) into a character n-gram model trained in TF.js', () => {
  const gw = useGateway(() =>
    startGateway({
      MODEL_STORE: storeWithShippedModels(ENSEMBLE, 'lang-fasttext', 'lang-cld3', 'lang-lande'),
      FINETUNE_CPU_SHARE: '1',
    }),
  );
  // 128 sentences in eight languages, a quarter of them labelled; other sentences to check the student after.
  const texts = languageTexts(16, 21);
  const unseen = languageTexts(4, 99);

  it('builds the student, picks its learning rate and epochs by random search, publishes it as a new model and starts it as a canary', async () => {
    const search = {
      trials: 6,
      patience: 2,
      space: { learningRate: { min: 0.001, max: 0.3 }, epochs: [10, 30] },
    };
    const started = await postJson(`${gw.url}/v1/models/${ENSEMBLE}/distill`, {
      inputs: texts.map((t, i) => (i % 4 === 0 ? { text: t.text, label: t.language } : t.text)),
      options: {
        // Trial 1 (these options) learns slowly; the search looks for better.
        epochs: 10,
        learningRate: 0.0002,
        batchSize: 16,
        validationSplit: 0.25,
        patience: 5,
        seed: 5,
        benchmark: 16,
        search,
        deploy: { mode: 'canary', weight: 50 },
      },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    // No member of the ensemble can be trained (none is a tensor model): the default student is a char-ngram model.
    expect(started.body.student).toEqual({ model: STUDENT, architecture: 'char-ngram' });
    const { job } = await followJob(gw.url, started.body.id);
    const d = job.result?.distill;
    console.info(
      JSON.stringify({ state: job.state, error: job.error, distill: d, search: job.search, trials: job.trials }),
    );
    expect(job.state, job.error).toBe('succeeded');

    // The search: trial 1 ran the options as sent, every trial is a child of the job with its scores, the best
    // (highest held-out agreement, then lowest validation loss) is the one published.
    const trials = job.trials as TrialRow[];
    expect(job.search).toMatchObject({ method: 'random', trials: 6, patience: 2 });
    expect(trials[0]!.params).toEqual({ learningRate: 0.0002, epochs: 10 });
    for (const [i, t] of trials.entries()) {
      expect(t).toMatchObject({ trial: i + 1, id: `${job.id}.${i + 1}`, state: 'done' });
      expect(t.score! >= 0 && t.score! <= 1).toBe(true);
    }
    const best = [...trials].sort((a, b) => b.score! - a.score! || a.valLoss! - b.valLoss! || a.trial - b.trial)[0]!;
    expect(job.search?.best).toBe(best.trial);
    expect(job.result?.trial).toBe(best.trial);
    expect(job.result?.scores.candidate.accuracy).toBe(best.score);
    // Early stopping: the search ends once `patience` trials in a row have not improved on the best so far.
    let top = -1;
    let since = 0;
    for (const t of trials) {
      if (t.score! > top + 0.001) {
        top = t.score!;
        since = 0;
      } else since++;
    }
    expect(job.search?.stoppedEarly).toBe(trials.length < 6);
    if (job.search?.stoppedEarly) expect(since).toBe(2);

    // The student: a new model made of the n-gram featurizer and the trained head, agreeing with the ensemble.
    expect(d?.student).toMatchObject({ model: STUDENT, version: 1, architecture: 'char-ngram' });
    expect(d?.agreement.base).toBeUndefined();
    expect(d?.agreement.student).toBeGreaterThanOrEqual(0.8);
    expect(d?.accuracy?.labelled).toBeGreaterThan(0);
    expect(d?.accuracy?.student).toBeGreaterThanOrEqual(0);
    const speed = d?.speed as { teacher: { itemsPerS: number }; student: { itemsPerS: number } };
    expect(speed.teacher.itemsPerS).toBeGreaterThan(0);
    expect(speed.student.itemsPerS).toBeGreaterThan(0);
    const meta = await getJson(`${gw.url}/v2/models/${STUDENT}`);
    expect(meta.body.parameters).toMatchObject({
      plugin: 'text-classifier',
      runtime: 'ngram',
      distilled: { teacher: { model: ENSEMBLE }, architecture: 'char-ngram', job: job.id },
    });

    // Sentences it never saw: the student and the ensemble name the same language for nearly all.
    const ask = async (model: string) =>
      (
        await postJson(`${gw.url}/v2/models/${model}/infer`, {
          inputs: [{ name: 'text', datatype: 'BYTES', shape: [unseen.length], data: unseen.map((t) => t.text) }],
          outputs: [{ name: 'probabilities', parameters: { classification: 1 } }],
        })
      ).body.outputs[0].data.map((s: string) => s.split(':').at(-1));
    const [student, ensemble] = [await ask(`${STUDENT}/versions/1`), await ask(`${ENSEMBLE}/versions/1`)];
    const same = student.filter((l: string, i: number) => l === ensemble[i]).length;
    expect(same / unseen.length, `${student} vs ${ensemble}`).toBeGreaterThanOrEqual(0.8);

    // The canary: half the ensemble's clients (sticky by x-user-id) are answered by the student.
    const variants = new Set<string>();
    for (let u = 0; u < 16; u++) {
      const res = await fetch(`${gw.url}/v1/models/${ENSEMBLE}:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': `user-${u}` },
        body: JSON.stringify({ instances: [unseen[u % unseen.length]!.text] }),
      });
      expect(res.status).toBe(200);
      variants.add(res.headers.get('massgate-variant')!);
    }
    expect([...variants].sort()).toEqual(['ensemble', 'student']);
  }, 300_000);

  it('the student is a text model like any other: it can be fine-tuned', async () => {
    const examples = texts
      .filter((t) => t.language === 'fr' || t.language === 'it')
      .map((t) => ({ label: t.language, text: t.text }));
    const started = await postJson(`${gw.url}/v1/models/${STUDENT}/finetune`, {
      examples,
      options: { epochs: 10, learningRate: 0.05, seed: 2 },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const { job } = await followJob(gw.url, started.body.id);
    expect(job.state, job.error).toBe('succeeded');
    expect(job.result?.version).toBe(2);
  }, 120_000);
});
