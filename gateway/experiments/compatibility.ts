import { invalidInput } from '../../core/errors.ts';
import type { TensorInfo } from '../../core/tensor.ts';

/** What the compatibility check needs of a variant's model. */
interface VariantShape {
  variant: string;
  inputs: readonly TensorInfo[];
  labels?: readonly string[] | undefined;
}

const dimsFit = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === -1 || b[i] === -1 || d === b[i]);
const shape = (t: TensorInfo) => `${t.name} ${t.datatype} [${t.shape.join(',')}]`;

/** Share of the smaller label set that two label sets must have in common (names compared case-insensitively). */
const MIN_LABEL_OVERLAP = 0.5;

/**
 * Refuses (INVALID_INPUT, naming both variants) a set of variants a client could not call alike: the
 * same input names, datatypes and shapes (-1 matches any size), and label sets that are both absent
 * or share at least half of the smaller set (so top labels can be compared and counted).
 */
export function checkCompatible(where: string, variants: readonly VariantShape[]): void {
  const [first, ...rest] = variants;
  if (!first) return;
  for (const v of rest) {
    const names = (xs: readonly TensorInfo[]) =>
      xs
        .map((t) => t.name)
        .sort()
        .join(', ');
    if (names(first.inputs) !== names(v.inputs)) {
      throw invalidInput(
        `${where}: variant '${v.variant}' takes inputs (${names(v.inputs)}) but '${first.variant}' takes (${names(first.inputs)})`,
      );
    }
    for (const t of first.inputs) {
      const u = v.inputs.find((x) => x.name === t.name)!;
      if (t.datatype !== u.datatype || !dimsFit(t.shape, u.shape)) {
        throw invalidInput(
          `${where}: variant '${v.variant}' input ${shape(u)} does not match '${first.variant}' input ${shape(t)}`,
        );
      }
    }
    if (!first.labels !== !v.labels) {
      throw invalidInput(
        `${where}: variant '${(first.labels ? v : first).variant}' has no class labels but '${(first.labels ? first : v).variant}' has`,
      );
    }
    if (first.labels && v.labels) {
      const a = new Set(first.labels.map((l) => l.toLowerCase()));
      const common = v.labels.filter((l) => a.has(l.toLowerCase())).length;
      const smaller = Math.min(a.size, v.labels.length);
      if (common < MIN_LABEL_OVERLAP * smaller) {
        throw invalidInput(
          `${where}: the labels of variant '${v.variant}' and '${first.variant}' are incompatible (${common} in common of ${smaller}; at least ${Math.ceil(MIN_LABEL_OVERLAP * smaller)} needed)`,
        );
      }
    }
  }
}
