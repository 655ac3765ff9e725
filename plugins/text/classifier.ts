import { z } from 'zod';
import { invalidInput } from '../../core/errors.ts';
import { bytesOf, concat, floats, fromUtf8, tensor, utf8, type Tensor } from '../../core/tensor.ts';
import { definePlugin, type PluginContext } from '../plugin.ts';
import { predictions, topKParam, undetermined } from '../top-k.ts';
import { bytesInput } from '../instances.ts';

const Params = z
  .object({
    /** Longest text accepted, in characters. */
    maxLength: z.number().int().positive().default(10_000),
    topK: z.number().int().positive().default(3),
    /** The model takes one text per run (its graph has a fixed batch of 1): texts are run one by one. */
    onePerRun: z.boolean().default(false),
    /**
     * Language identification: the answer is `label` (BCP-47 'und', undetermined) when the top score is below
     * `below`, and for a text without a letter (digits, emoji, punctuation), whose scores are then all 0.
     */
    unknown: z
      .object({ label: z.string().min(1).default('und'), below: z.number().min(0).max(1) })
      .strict()
      .optional(),
  })
  .strict();
type TextParams = z.infer<typeof Params>;

/** A string or {"text": string}, non-empty and within the length cap. */
function text(instance: unknown, p: TextParams): string {
  const t =
    typeof instance === 'string'
      ? instance
      : typeof instance === 'object' && instance !== null
        ? (instance as { text?: unknown }).text
        : undefined;
  if (typeof t !== 'string') throw invalidInput('a text instance is a string or {"text": "…"}');
  if (t.trim().length === 0) throw invalidInput('the text is empty');
  if (t.length > p.maxLength) throw invalidInput(`the text has ${t.length} characters; the limit is ${p.maxLength}`);
  return t;
}

/** Whether a text has a letter of any script (a language to tell). */
export const hasLetters = (text: string): boolean => /\p{L}/u.test(text);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A text file's contents: UTF-8 (a byte-order mark is dropped); INVALID_INPUT otherwise. */
function textFile(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw invalidInput('the file is not UTF-8 text');
  }
}

/**
 * Rows of the model's score output (the first numeric output as wide as the labels, else the first), each
 * scaled down to sum to 1 where it sums to more (a row summing to less keeps its scale: CLD3 scores only its
 * top languages, and the rest is doubt; all zeros stays all zeros: no opinion). With `unknown`, the rows of
 * texts without a letter are all zeros.
 */
function classScores(
  outputs: Record<string, Tensor>,
  ctx: Pick<PluginContext<TextParams>, 'labels' | 'params'>,
  items: readonly string[],
) {
  const all = Object.values(outputs);
  const t = all.find((o) => o.datatype !== 'BYTES' && o.shape.at(-1) === ctx.labels?.length) ?? all[0]!;
  const width = t.shape.at(-1)!;
  const values = floats(t);
  const labels = ctx.labels ?? Array.from({ length: width }, (_, i) => String(i));
  const scores = Array.from({ length: values.length / width }, (_, r) => {
    const row = Array.from(values.subarray(r * width, (r + 1) * width));
    if (ctx.params.unknown && items[r] !== undefined && !hasLetters(items[r])) return row.fill(0);
    const sum = row.reduce((a, b) => a + b, 0);
    return sum > 1 + 1e-6 ? row.map((v) => v / sum) : row;
  });
  return { labels, scores };
}

/**
 * Text classification (language identification with fastText, CLD3 or lande; any model taking a BYTES
 * text and giving one score per label). Friendly API instances: a string or {"text": "…"}. With
 * `params.unknown` (the language identifiers), an unsure answer or a text without letters is 'und'.
 */
export const textClassifier = definePlugin<string, TextParams>({
  name: 'text-classifier',
  modality: 'text',
  description: 'Text → top-k labels with scores',
  params: Params,
  inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
  example: 'Bonjour tout le monde',
  validate(ctx) {
    const input = ctx.inputs[0];
    if (ctx.inputs.length !== 1 || input?.datatype !== 'BYTES')
      throw new Error('the model must take one BYTES text input');
    if (!ctx.labels?.length)
      throw new Error('the model has no labels (configure "labels" or use a runtime that carries them)');
  },
  parseInstance: (instance, ctx) => text(instance, ctx.params),
  fromTensors: (inputs, ctx) => bytesInput(inputs, 'text').map((b) => text(fromUtf8(b), ctx.params)),
  async preprocess(items, ctx) {
    const name = ctx.inputs[0]!.name;
    return { [name]: tensor(name, 'BYTES', [items.length], items.map(utf8)) };
  },
  async predict(feeds, ctx) {
    if (!ctx.params.onePerRun) return ctx.run(feeds);
    const [name, t] = Object.entries(feeds)[0]!;
    const rows = await Promise.all(
      bytesOf(t).map((text) => ctx.run({ [name]: { name, datatype: 'BYTES', shape: [1], data: [text] } })),
    );
    return Object.fromEntries(Object.keys(rows[0]!).map((k) => [k, concat(rows.map((r) => r[k]!))]));
  },
  scores: classScores,
  // A head can be trained on a model whose config names a feature output (the `ngram` runtime's `ngrams`):
  // the language-ID student a distillation trains. Runtimes that are not tensor models (fastText, CLD3,
  // lande) have none, and stay NOT_TRAINABLE.
  finetune: {
    augmentations: [],
    fromFile: textFile,
    async check(item, ctx) {
      text(item, ctx.params);
    },
  },
  postprocess(outputs, ctx, items, options) {
    const { labels, scores } = classScores(outputs, ctx, items);
    return predictions(scores, labels, topKParam(options, ctx.params.topK)).map((p) =>
      undetermined(p, ctx.params.unknown),
    );
  },
});
