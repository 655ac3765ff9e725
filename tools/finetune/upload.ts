import { openAsBlob, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, type Command } from './args.ts';

/** One example file of a local dataset folder. */
interface LocalExample {
  label: string;
  /** The file's name inside its label folder. */
  file: string;
  path: string;
}

/**
 * The examples of a local folder laid out `<label>/<file>`, sorted; dot files and folders are skipped, as are
 * entries that are not folders (at the top) or not files (inside). UsageError when `dir` is not a folder.
 *
 * @example
 * listExamples('data') // [{ label: 'cat', file: 'a.jpg', path: 'data/cat/a.jpg' }, …]
 */
export function listExamples(dir: string): LocalExample[] {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    entries = readdirSync(dir);
  } catch (e) {
    throw new UsageError(
      `'${dir}' is not a readable folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const out: LocalExample[] = [];
  for (const label of entries.sort()) {
    const classDir = join(dir, label);
    if (label.startsWith('.') || !statSync(classDir).isDirectory()) continue;
    for (const file of readdirSync(classDir).sort()) {
      const path = join(classDir, file);
      if (!file.startsWith('.') && statSync(path).isFile()) out.push({ label, file, path });
    }
  }
  return out;
}

/**
 * What to send to `POST /v1/models/{m}/finetune`: a body and its content type (none for FormData: fetch sets the
 * boundary).
 */
interface FinetuneBody {
  body: FormData | string;
  contentType?: string;
  /** Examples uploaded (train, validation); 0 for a server-side dataset. */
  uploaded: { train: number; validation: number };
}

/**
 * The request body for a command: multipart for local folders (field = label, or `validation/<label>`; file
 * name = the file's name; an `options` field with the options as JSON), JSON `{"dataset", "validationDataset",
 * "options"}` for a server-side folder. Files are read lazily as fetch sends them.
 */
export async function finetuneBody(cmd: Pick<Command, 'source' | 'options'>): Promise<FinetuneBody> {
  const { source, options } = cmd;
  if (source.kind === 'server') {
    const json = {
      dataset: source.dataset,
      ...(source.validationDataset !== undefined ? { validationDataset: source.validationDataset } : {}),
      options,
    };
    return { body: JSON.stringify(json), contentType: 'application/json', uploaded: { train: 0, validation: 0 } };
  }
  const form = new FormData();
  const train = listExamples(source.data);
  const validation = source.validation !== undefined ? listExamples(source.validation) : [];
  for (const e of train) form.append(e.label, await openAsBlob(e.path), e.file);
  for (const e of validation) form.append(`validation/${e.label}`, await openAsBlob(e.path), e.file);
  form.append('options', JSON.stringify(options));
  return { body: form, uploaded: { train: train.length, validation: validation.length } };
}
