/**
 * How a shadow's answer compares with the control's: the same top label for classifiers, the largest
 * absolute difference for numeric outputs. Both answers are plain JSON here (v2 `outputs`, v1
 * `predictions`), so a cached control answer compares like a computed one.
 */

/** A v2 output as JSON: name, datatype, shape, flat data. */
export interface JsonOutput {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
}

const decoder = new TextDecoder();
const asText = (x: unknown): string | undefined =>
  typeof x === 'string' ? x : x instanceof Uint8Array ? decoder.decode(x) : undefined;

/**
 * The top label of each row of an output: the first entry of each row of a classification output
 * ("score:index:label", Triton's extension), else the arg-max over the last axis named by `labels`.
 */
export function topLabelsOf(o: JsonOutput, labels?: readonly string[]): string[] | undefined {
  const data = o.data;
  if (!Array.isArray(data) || data.length === 0) return undefined;
  const width = o.shape.at(-1) ?? data.length;
  if (!(width > 0)) return undefined;
  const rows = Math.floor(data.length / width);
  if (o.datatype === 'BYTES') {
    const out: string[] = [];
    for (let r = 0; r < rows; r++) {
      const s = asText(data[r * width]);
      if (s === undefined) return undefined;
      const parts = s.split(':');
      if (parts.length < 2) return undefined;
      out.push(parts.length >= 3 ? parts.slice(2).join(':') : parts[1]!);
    }
    return out;
  }
  if (!labels || labels.length !== width) return undefined;
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let i = 1; i < width; i++) if (Number(data[r * width + i]) > Number(data[r * width + best])) best = i;
    out.push(labels[best]!);
  }
  return out;
}

/** Largest |a - b| over two numeric arrays of the same length; undefined otherwise. */
function maxAbsDiff(a: readonly unknown[], b: readonly unknown[]): number | undefined {
  if (a.length !== b.length || a.length === 0) return undefined;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    if (typeof a[i] !== 'number' && typeof a[i] !== 'bigint') return undefined;
    const d = Math.abs(x - y);
    if (!Number.isFinite(d)) return undefined;
    if (d > m) m = d;
  }
  return m;
}

/** Compares v2 outputs (matched by name). */
export function compareOutputs(
  control: readonly JsonOutput[],
  shadow: readonly JsonOutput[],
  controlLabels?: readonly string[],
  shadowLabels?: readonly string[],
): { agreed?: boolean; maxAbsDiff?: number } {
  let agreed: boolean | undefined;
  let diff: number | undefined;
  for (const c of control) {
    const s = shadow.find((o) => o.name === c.name);
    if (!s) continue;
    const a = topLabelsOf(c, controlLabels);
    const b = topLabelsOf(s, shadowLabels);
    if (a && b)
      agreed = (agreed ?? true) && a.length === b.length && a.every((l, i) => l.toLowerCase() === b[i]!.toLowerCase());
    if (c.datatype !== 'BYTES' && s.datatype !== 'BYTES' && c.data && s.data) {
      const d = maxAbsDiff(c.data, s.data);
      if (d !== undefined) diff = Math.max(diff ?? 0, d);
    }
  }
  return { ...(agreed !== undefined ? { agreed } : {}), ...(diff !== undefined ? { maxAbsDiff: diff } : {}) };
}

/** The numbers in a JSON value, in order (depth-bounded). */
function numbers(v: unknown, out: number[], depth = 0): void {
  if (depth > 8 || out.length > 100_000) return;
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) numbers(x, out, depth + 1);
}

/** The `label` of a v1 prediction, when it has one. */
export function predictionLabel(p: unknown): string | undefined {
  return typeof p === 'object' && p !== null && typeof (p as { label?: unknown }).label === 'string'
    ? (p as { label: string }).label
    : undefined;
}

/** Compares v1 predictions: their `label` fields, else the numbers of numeric predictions. */
export function comparePredictions(
  control: readonly unknown[],
  shadow: readonly unknown[],
): { agreed?: boolean; maxAbsDiff?: number } {
  if (control.length !== shadow.length) return { agreed: false };
  const a = control.map(predictionLabel);
  const b = shadow.map(predictionLabel);
  if (a.every((l) => l !== undefined) && b.every((l) => l !== undefined))
    return { agreed: a.every((l, i) => l!.toLowerCase() === b[i]!.toLowerCase()) };
  const x: number[] = [];
  const y: number[] = [];
  numbers(control, x);
  numbers(shadow, y);
  const d = maxAbsDiff(x, y);
  return d === undefined ? {} : { maxAbsDiff: d };
}
