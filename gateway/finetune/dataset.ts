import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { GatewayError, invalidInput } from '../../core/errors.ts';
import { isInside } from '../../core/paths.ts';
import { shown } from '../../model-store/names.ts';
import { issuesText } from '../../core/issues.ts';

/** One labelled example: the plugin's item, its label, and a name to report it by. */
export interface Example {
  label: string;
  item: unknown;
  /** `examples[3]`, a file name or `<label>/<file>` of a dataset folder. */
  name: string;
}

/** What a fine-tuning request sent: training examples, optional validation examples, raw options. */
export interface Dataset {
  train: Example[];
  validation: Example[];
  options: unknown;
}

/** How the plugin turns a JSON instance or a file into an item. */
export interface ItemReader {
  fromInstance(instance: unknown): unknown | Promise<unknown>;
  fromFile(bytes: Uint8Array): unknown;
}

export interface DatasetLimits {
  /** Folder server-side datasets must lie inside (none: refused). */
  dataRoot?: string;
  /** Most examples in all (413 above). */
  maxExamples: number;
  /** Largest file of a server-side dataset, in bytes. */
  maxFileBytes: number;
}

const LABEL = /^[\p{L}\p{N}][\p{L}\p{N} _.+-]{0,63}$/u;

/** Checks a class label: 1 to 64 letters, digits, space, _ . + -, starting with a letter or digit. */
export function checkLabel(label: unknown, where: string): string {
  if (typeof label !== 'string' || !LABEL.test(label)) {
    throw invalidInput(
      `${where}: a label is 1 to 64 letters, digits, spaces, _ . + -, starting with a letter or digit (got ${typeof label === 'string' ? `'${shown(label)}'` : typeof label})`,
    );
  }
  return label;
}

const JsonExample = z.object({ label: z.string() }).passthrough();
const JsonBody = z
  .object({
    /**
     * Labelled instances: `{"label": "cat", "b64": "…"}` (the instance without its label) or `{"label": …, "instance":
     * …}`.
     */
    examples: z.array(JsonExample).optional(),
    validation: z.array(JsonExample).optional(),
    /** A folder inside FINETUNE_DATA_ROOT laid out `<label>/<file>`. */
    dataset: z.string().min(1).max(4096).optional(),
    validationDataset: z.string().min(1).max(4096).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** PAYLOAD_TOO_LARGE when `count` examples exceed FINETUNE_MAX_EXAMPLES. */
export function tooMany(count: number, limits: DatasetLimits): void {
  if (count > limits.maxExamples)
    throw new GatewayError(
      'PAYLOAD_TOO_LARGE',
      `too many examples: more than ${limits.maxExamples} (FINETUNE_MAX_EXAMPLES)`,
    );
}

async function jsonExamples(list: z.infer<typeof JsonExample>[], set: string, reader: ItemReader): Promise<Example[]> {
  const out: Example[] = [];
  for (const [i, e] of list.entries()) {
    const name = `${set}[${i}]`;
    const { label, instance, ...rest } = e as { label: string; instance?: unknown };
    const item = await reader.fromInstance(instance !== undefined ? instance : rest);
    out.push({ label: checkLabel(label, name), item, name });
  }
  return out;
}

/**
 * A JSON fine-tuning body: `{"examples": [...], "validation": [...], "dataset": "dir", "validationDataset":
 * "dir", "options": {...}}` (examples and a dataset folder may be combined).
 */
export async function fromJson(body: unknown, reader: ItemReader, limits: DatasetLimits): Promise<Dataset> {
  const parsed = JsonBody.safeParse(body);
  if (!parsed.success)
    throw invalidInput(
      `expected {"examples": [{"label": …, …}], "dataset": "<folder>", "options": {…}}: ${issuesText(parsed.error, '(body)')}`,
    );
  const b = parsed.data;
  tooMany((b.examples?.length ?? 0) + (b.validation?.length ?? 0), limits);
  const train = await jsonExamples(b.examples ?? [], 'examples', reader);
  const validation = await jsonExamples(b.validation ?? [], 'validation', reader);
  if (b.dataset !== undefined)
    train.push(...(await fromFolder(b.dataset, reader, limits, limits.maxExamples - train.length - validation.length)));
  if (b.validationDataset !== undefined)
    validation.push(
      ...(await fromFolder(b.validationDataset, reader, limits, limits.maxExamples - train.length - validation.length)),
    );
  return { train, validation, options: b.options };
}

/**
 * A multipart fine-tuning body: each file's field name is its label (`-F cat=@a.jpg`), or `validation/<label>`
 * for the validation set; a field named `files` or `validation` takes the label from the file name's folder
 * (`<label>/<file>`, as a folder upload sends). A text field `options` holds the options as JSON.
 */
export async function fromForm(form: FormData, reader: ItemReader, limits: DatasetLimits): Promise<Dataset> {
  const train: Example[] = [];
  const validation: Example[] = [];
  let options: unknown;
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      if (field !== 'options')
        throw invalidInput(
          `unexpected text field '${shown(field)}': send files (field name = label) and an 'options' field`,
        );
      try {
        options = JSON.parse(value);
      } catch (e) {
        throw invalidInput(`the 'options' field is not JSON: ${(e as Error).message}`);
      }
      continue;
    }
    tooMany(train.length + validation.length + 1, limits);
    const toValidation = field === 'validation' || field.startsWith('validation/');
    const folderUpload = field === 'files' || field === 'validation';
    const parts = value.name.split('/').filter(Boolean);
    const label = folderUpload ? parts.at(-2) : toValidation ? field.slice('validation/'.length) : field;
    const name = value.name || field;
    if (label === undefined)
      throw invalidInput(`file '${shown(name)}' of field '${shown(field)}': its name must be '<label>/<file>'`);
    const example = {
      label: checkLabel(label, `file '${shown(name)}'`),
      item: reader.fromFile(new Uint8Array(await value.arrayBuffer())),
      name,
    };
    (toValidation ? validation : train).push(example);
  }
  return { train, validation, options };
}

/**
 * The real path of `path` (relative to the data root, or absolute) when it lies inside the root, and the root's; else
 * 400.
 */
async function insideRoot(path: string, root: string | undefined): Promise<{ dir: string; realRoot: string }> {
  if (!root)
    throw invalidInput('server-side datasets are off: set FINETUNE_DATA_ROOT to the folder they may be read from');
  const realRoot = await realpath(root).catch(() => {
    throw new GatewayError('CONFIG_INVALID', 'FINETUNE_DATA_ROOT does not exist');
  });
  let real: string;
  try {
    real = await realpath(isAbsolute(path) ? path : resolve(realRoot, path));
  } catch {
    throw invalidInput(`dataset '${shown(path)}' does not exist in the data root`);
  }
  if (!isInside(realRoot, real)) throw invalidInput(`dataset '${shown(path)}' is outside the data root`);
  return { dir: real, realRoot };
}

/** A file of a server-side dataset folder: its bytes, its label (the folder it is in) unless it lies at the top. */
export interface FolderFile {
  label?: string;
  /** `<label>/<file>`, or `<file>` at the top. */
  name: string;
  bytes: Uint8Array;
}

/**
 * A server-side dataset folder laid out `<label>/<file>` (dot files skipped), inside the data root:
 * paths, symlinks included, that lead outside it are refused. With `unlabelled`, files at the top of the
 * folder are read too, without a label (distillation); otherwise they are ignored. At most `room` files.
 */
export async function readFolder(
  path: string,
  limits: DatasetLimits,
  room: number,
  unlabelled = false,
): Promise<FolderFile[]> {
  const { dir, realRoot } = await insideRoot(path, limits.dataRoot);
  if (!(await stat(dir)).isDirectory()) throw invalidInput(`dataset '${shown(path)}' is not a folder`);
  const out: FolderFile[] = [];
  const add = async (file: string, name: string, label?: string) => {
    const real = await realpath(file);
    if (!isInside(realRoot, real)) throw invalidInput(`dataset file '${shown(name)}' leads outside the data root`);
    const s = await stat(real);
    if (!s.isFile()) return;
    if (s.size > limits.maxFileBytes)
      throw new GatewayError(
        'PAYLOAD_TOO_LARGE',
        `dataset file '${shown(name)}' is larger than ${limits.maxFileBytes} bytes`,
      );
    if (out.length >= room) tooMany(limits.maxExamples + 1, limits);
    out.push({ ...(label !== undefined ? { label } : {}), name, bytes: new Uint8Array(await readFile(real)) });
  };
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const real = await realpath(join(dir, entry.name));
    if (!isInside(realRoot, real)) {
      if (unlabelled) throw invalidInput(`dataset file '${shown(entry.name)}' leads outside the data root`);
      continue;
    }
    if (!(await stat(real)).isDirectory()) {
      if (unlabelled) await add(join(dir, entry.name), entry.name);
      continue;
    }
    const label = checkLabel(entry.name, `dataset folder '${shown(entry.name)}'`);
    for (const f of (await readdir(real)).sort()) {
      if (!f.startsWith('.')) await add(join(real, f), `${label}/${f}`, label);
    }
  }
  return out;
}

/** A labelled server-side dataset folder as examples (files at its top are ignored). */
async function fromFolder(path: string, reader: ItemReader, limits: DatasetLimits, room: number): Promise<Example[]> {
  return (await readFolder(path, limits, room)).map((f) => ({
    label: f.label!,
    item: reader.fromFile(f.bytes),
    name: f.name,
  }));
}
