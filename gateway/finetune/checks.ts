import { GatewayError, invalidInput, isGatewayError } from '../../core/errors.ts';
import { shown } from '../../model-store/names.ts';
import type { Dataset } from './dataset.ts';

/**
 * Checks what a dataset can train: training examples present, two classes at least, `minPerClass`
 * examples of each (two at least when the validation set is split off), validation labels among the
 * training classes. Returns the classes, sorted. INVALID_INPUT naming the problem.
 */
export function checkClasses(ds: Dataset, minPerClass: number): string[] {
  if (ds.train.length === 0)
    throw invalidInput(
      'no training examples: send "examples", a "dataset" folder, or files (multipart, field name = label)',
    );
  const counts = new Map<string, number>();
  for (const e of ds.train) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const classes = [...counts.keys()].sort();
  if (classes.length < 2)
    throw invalidInput(`only one class ('${shown(classes[0]!)}'): fine-tuning needs examples of two classes at least`);
  const need = ds.validation.length ? minPerClass : Math.max(2, minPerClass);
  const few = classes.filter((c) => counts.get(c)! < need);
  if (few.length) {
    throw invalidInput(
      `too few examples: ${few
        .slice(0, 10)
        .map((c) => `'${shown(c)}' has ${counts.get(c)}`)
        .join(', ')}; each class needs ${need} at least (FINETUNE_MIN_PER_CLASS)`,
    );
  }
  const unknown = [...new Set(ds.validation.map((e) => e.label))].filter((l) => !counts.has(l));
  if (unknown.length)
    throw invalidInput(
      `validation labels with no training examples: ${unknown
        .slice(0, 10)
        .map((l) => `'${shown(l)}'`)
        .join(', ')}`,
    );
  return classes;
}

/**
 * Runs the plugin's check (a full decode) on every example (labelled or not), a few at a time, and reports up to five
 * that fail in one INVALID_INPUT (a PAYLOAD_TOO_LARGE of one example is passed on as it is).
 */
export async function checkExamples(
  examples: readonly { name: string; item: unknown; label?: string | undefined }[],
  check: (item: unknown) => Promise<void>,
  concurrency = 4,
): Promise<void> {
  const failures: string[] = [];
  let next = 0;
  let tooLarge: GatewayError | undefined;
  const worker = async () => {
    while (next < examples.length && failures.length < 5) {
      const e = examples[next++]!;
      try {
        await check(e.item);
      } catch (err) {
        if (isGatewayError(err) && err.code === 'PAYLOAD_TOO_LARGE')
          tooLarge ??= new GatewayError('PAYLOAD_TOO_LARGE', `${shown(e.name)}: ${err.message}`);
        const label = e.label !== undefined ? ` (label '${shown(e.label)}')` : '';
        failures.push(`${shown(e.name)}${label}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (tooLarge) throw tooLarge;
  if (failures.length) throw invalidInput(`unusable examples: ${failures.join('; ')}`);
}
