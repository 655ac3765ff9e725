import { z } from 'zod';
import { invalidInput } from '../../core/errors.ts';
import { issuesText } from '../../core/issues.ts';
import { shown } from '../../model-store/names.ts';
import { checkLabel, readFolder, tooMany, type DatasetLimits } from '../finetune/dataset.ts';

/**
 * One input of a distillation: what the teacher is asked — a JSON instance, or a file's bytes (sent as the
 * teacher's one BYTES input) — and, for some, a label (used only to report accuracy).
 */
export interface DistillInput {
  /** `inputs[3]`, a file name, or `<label>/<file>` of a dataset folder. */
  name: string;
  label?: string;
  instance?: unknown;
  bytes?: Uint8Array;
}

/** What a distillation request sent, before the student and options are checked. */
export interface DistillRequest {
  inputs: DistillInput[];
  /** The student as sent (gateway/distill/student.ts parses it); undefined: the default. */
  student: unknown;
  options: unknown;
}

const JsonBody = z
  .object({
    /**
     * Instances as `:predict` takes them (`"Bonjour"`, `{"b64": "…"}`); one with a `label` beside it
     * (`{"b64": "…", "label": "Neutral"}`, or `{"instance": …, "label": …}`) counts for accuracy too.
     */
    inputs: z.array(z.unknown()).optional(),
    /** A folder inside FINETUNE_DATA_ROOT: files at its top are unlabelled, files in `<label>/` are labelled. */
    dataset: z.string().min(1).max(4096).optional(),
    student: z.unknown().optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** A JSON input: its instance and optional label. */
function jsonInput(raw: unknown, name: string): DistillInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !('label' in raw || 'instance' in raw))
    return { name, instance: raw };
  const { label, instance, ...rest } = raw as { label?: unknown; instance?: unknown };
  return {
    name,
    instance: instance !== undefined ? instance : rest,
    ...(label !== undefined ? { label: checkLabel(label, name) } : {}),
  };
}

/**
 * A JSON distillation body: `{"inputs": [...], "dataset": "dir", "student": …, "options": {...}}` (inputs and a
 * dataset folder may be combined).
 */
export async function distillFromJson(body: unknown, limits: DatasetLimits): Promise<DistillRequest> {
  const parsed = JsonBody.safeParse(body);
  if (!parsed.success)
    throw invalidInput(
      `expected {"inputs": [<instance>, …], "dataset": "<folder>", "student": "<model>", "options": {…}}: ${issuesText(parsed.error, '(body)')}`,
    );
  const b = parsed.data;
  tooMany(b.inputs?.length ?? 0, limits);
  const inputs = (b.inputs ?? []).map((raw, i) => jsonInput(raw, `inputs[${i}]`));
  if (b.dataset !== undefined)
    for (const f of await readFolder(b.dataset, limits, limits.maxExamples - inputs.length, true))
      inputs.push({ name: f.name, bytes: f.bytes, ...(f.label !== undefined ? { label: f.label } : {}) });
  return { inputs, student: b.student, options: b.options };
}

/** A text part that holds JSON, or (the student) a plain model name. */
function textPart(field: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (e) {
    if (field === 'student') return value;
    throw invalidInput(`the '${field}' field is not JSON: ${(e as Error).message}`);
  }
}

/**
 * A multipart distillation body: files of the field `inputs` are unlabelled; of the field `files`, labelled
 * by their folder when their name is `<label>/<file>` (a folder upload), else unlabelled; of any other
 * field, labelled by the field's name (as for fine-tuning). Text fields: `options` (JSON) and `student`
 * (a model name, or JSON).
 */
export async function distillFromForm(form: FormData, limits: DatasetLimits): Promise<DistillRequest> {
  const inputs: DistillInput[] = [];
  const text: Record<string, unknown> = {};
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      if (field !== 'options' && field !== 'student')
        throw invalidInput(
          `unexpected text field '${shown(field)}': send files ('inputs', or field name = label), 'options' and 'student'`,
        );
      text[field] = textPart(field, value);
      continue;
    }
    tooMany(inputs.length + 1, limits);
    const name = value.name || field;
    const parts = value.name.split('/').filter(Boolean);
    const label =
      field === 'inputs' ? undefined : field === 'files' ? (parts.length > 1 ? parts.at(-2) : undefined) : field;
    inputs.push({
      name,
      bytes: new Uint8Array(await value.arrayBuffer()),
      ...(label !== undefined ? { label: checkLabel(label, `file '${shown(name)}'`) } : {}),
    });
  }
  return { inputs, student: text.student, options: text.options };
}
