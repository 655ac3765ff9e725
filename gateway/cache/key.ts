import { createHash } from 'node:crypto';
import { toBytes, type Tensor } from '../../core/tensor.ts';

/** What makes two inference requests the same, for the response cache. */
export interface KeyParts {
  model: string;
  version: number | string;
  inputs: Record<string, Tensor>;
  /** Request parameters that change the response (not scheduling ones such as timeout or priority). */
  parameters?: Record<string, unknown>;
  /** Requested outputs with their parameters (classification, binary_data…); absent = all. */
  outputs?: ReadonlyArray<{ name: string; parameters?: Record<string, unknown> | undefined }> | undefined;
  /** Distinguishes APIs whose responses differ for the same tensors (e.g. 'v2', 'v1'). */
  api?: string;
}

/** Text emitted as is by canonicalJson (punctuation, object keys), as opposed to a value to serialise. */
class Raw {
  constructor(readonly text: string) {}
}
const COMMA = new Raw(','),
  CLOSE_ARRAY = new Raw(']'),
  CLOSE_OBJECT = new Raw('}');

/**
 * JSON with object keys sorted, so that equal values always serialise the same. Built with an explicit
 * stack, not recursion: any nesting depth works (10,000 nested arrays cannot overflow the call stack).
 *
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(v: unknown): string {
  let out = '';
  const todo: unknown[] = [v];
  while (todo.length > 0) {
    const x = todo.pop();
    if (x instanceof Raw) {
      out += x.text;
    } else if (Array.isArray(x)) {
      out += '[';
      todo.push(CLOSE_ARRAY);
      for (let i = x.length - 1; i >= 0; i--) {
        todo.push(x[i]);
        if (i > 0) todo.push(COMMA);
      }
    } else if (x && typeof x === 'object') {
      out += '{';
      todo.push(CLOSE_OBJECT);
      // Keys whose value is undefined are left out, as JSON.stringify does: absent and undefined key alike.
      const keys = Object.keys(x)
        .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
        .sort();
      for (let i = keys.length - 1; i >= 0; i--) {
        todo.push((x as Record<string, unknown>)[keys[i]!], new Raw(`${JSON.stringify(keys[i])}:`));
        if (i > 0) todo.push(COMMA);
      }
    } else {
      out += JSON.stringify(x) ?? 'null';
    }
  }
  return out;
}

/**
 * The cache key: `massgate:v1:<model>:<version>:<sha256>`. The hash covers, in order: the API, then
 * each input sorted by name as name, datatype, shape and raw bytes (BYTES elements length-prefixed),
 * then the canonical JSON of the output-changing parameters and of the requested outputs sorted by
 * name. Unlike Triton's key it includes shape and datatype: [2,3] and [3,2] of the same bytes differ.
 * The model version is in the key, so a hot swap never serves the old version's answers.
 *
 * @example cacheKey({ model: 'resnet', version: 2, inputs }) // 'massgate:v1:resnet:2:9f86d0…'
 */
export function cacheKey(p: KeyParts): string {
  const h = createHash('sha256');
  const sep = Buffer.from([0]);
  h.update(p.api ?? 'v2').update(sep);
  for (const name of Object.keys(p.inputs).sort()) {
    const t = p.inputs[name]!;
    h.update(name).update(sep).update(t.datatype).update(sep).update(t.shape.join(',')).update(sep);
    if (t.datatype === 'BYTES') {
      const len = Buffer.alloc(4);
      for (const e of t.data) {
        len.writeUInt32LE(e.length);
        h.update(len).update(e);
      }
    } else {
      h.update(toBytes(t.data));
    }
    h.update(sep);
  }
  h.update(canonicalJson(p.parameters ?? {})).update(sep);
  h.update(canonicalJson([...(p.outputs ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))));
  return `massgate:v1:${p.model}:${p.version}:${h.digest('hex')}`;
}

/**
 * A key over a request's exact bytes (plus model, version and how the body is framed): identical
 * bytes are an identical request, so its whole response can be replayed without parsing anything.
 */
export function exactKey(model: string, version: number | string, framing: string, body: Uint8Array): string {
  return `massgate:v1:${model}:${version}:exact:${createHash('sha256').update(framing).update('\0').update(body).digest('hex')}`;
}
