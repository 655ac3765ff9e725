import { GatewayError } from '../../core/errors.ts';

/** How the ensemble's label set is formed from its members'. */
type LabelSet = 'same' | 'union' | 'intersection' | readonly string[];

interface MemberLabels {
  member: string;
  labels: readonly string[];
  /** member label → ensemble label (null drops it). Applied before normalisation. */
  mapping?: Readonly<Record<string, string | null>> | undefined;
}

export interface Alignment {
  labels: string[];
  /** Per member: for each of its label indices, the ensemble label index, or -1 when dropped. */
  index: Map<string, Int32Array>;
}

/** Labels compare case-insensitively and ignoring surrounding space, '__label__' prefixes and '-'/'_' differences. */
export const normalise = (l: string): string =>
  l
    .trim()
    .replace(/^__label__/, '')
    .toLowerCase()
    .replace(/_/g, '-');

function mapped(m: MemberLabels): (string | null)[] {
  return m.labels.map((l) => {
    if (m.mapping && Object.hasOwn(m.mapping, l)) return m.mapping[l] === null ? null : normalise(m.mapping[l]!);
    return normalise(l);
  });
}

/**
 * Aligns members' labels by name. `same` (the default) requires every member to have the same label
 * set after mapping and normalisation — a different order is fine, a different set is a start-up error
 * naming the labels that differ. `union`/`intersection` or an explicit list form the set otherwise.
 *
 * @example align([{member:'a', labels:['cat','dog']}, {member:'b', labels:['Dog','Cat']}]).labels // ['cat','dog']
 */
export function align(members: readonly MemberLabels[], set: LabelSet = 'same'): Alignment {
  const perMember = members.map((m) => ({ m, names: mapped(m) }));
  const sets = perMember.map(({ names }) => new Set(names.filter((n): n is string => n !== null)));
  let labels: string[];
  if (Array.isArray(set)) labels = (set as readonly string[]).map(normalise);
  else if (set === 'union') labels = [...new Set(sets.flatMap((s) => [...s]))];
  else if (set === 'intersection') labels = [...sets[0]!].filter((l) => sets.every((s) => s.has(l)));
  else {
    labels = [...sets[0]!];
    for (let i = 1; i < sets.length; i++) {
      const onlyFirst = labels.filter((l) => !sets[i]!.has(l));
      const onlyThis = [...sets[i]!].filter((l) => !sets[0]!.has(l));
      if (onlyFirst.length || onlyThis.length) {
        throw new GatewayError(
          'CONFIG_INVALID',
          `ensemble members '${members[0]!.member}' and '${members[i]!.member}' have different labels ` +
            `(only in the first: ${onlyFirst.slice(0, 10).join(', ') || 'none'}; only in the second: ${onlyThis.slice(0, 10).join(', ') || 'none'}); ` +
            'configure a label mapping or labelSet "union"/"intersection"',
        );
      }
    }
  }
  if (labels.length < 2)
    throw new GatewayError(
      'CONFIG_INVALID',
      `the ensemble's label set has ${labels.length} label(s): members share too few labels`,
    );
  const at = new Map(labels.map((l, i) => [l, i]));
  const index = new Map<string, Int32Array>();
  for (const { m, names } of perMember)
    index.set(
      m.member,
      Int32Array.from(names, (n) => (n === null ? -1 : (at.get(n) ?? -1))),
    );
  return { labels, index };
}

/**
 * A member's probabilities moved onto the ensemble's labels; labels the member lacks get 0, labels
 * outside the set are dropped, and the result is renormalised to sum to 1 (when anything is left).
 */
export function project(probabilities: ArrayLike<number>, index: Int32Array, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (let i = 0; i < index.length; i++) if (index[i]! >= 0) out[index[i]!]! += probabilities[i]!;
  const total = out.reduce((a, b) => a + b, 0);
  return total > 0 ? out.map((p) => p / total) : out;
}
