import { invalidInput } from '../../core/errors.ts';
import type { FaceBox } from './blazeface.ts';

/** One image for the face classifier. */
export interface FaceItem {
  /** The image as sent: bytes or base64 text. */
  input: string | Uint8Array;
  /** Find the faces first (true), or classify the image (or `box`) as one face crop. */
  detect: boolean;
  /** The caller's face box, [x1, y1, x2, y2] in the image's pixels, cut around like a detected one (no detection). */
  box?: readonly number[];
  /** Set by preprocess when `detect`: the faces found, largest first, one classifier row each. */
  faces?: FaceBox[];
}

const SHAPE =
  'a face image instance is a base64 string or {"b64": "…", "detect": true|false, "box": [x1, y1, x2, y2]} ("image" may stand for "b64")';

/** A face box from JSON: four finite numbers, x1 < x2 and y1 < y2, none negative. */
function boxOf(v: unknown): number[] {
  const ok =
    Array.isArray(v) &&
    v.length === 4 &&
    v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0) &&
    v[0] < v[2] &&
    v[1] < v[3];
  if (!ok) throw invalidInput('"box" is [x1, y1, x2, y2] in pixels, with x1 < x2 and y1 < y2');
  return v as number[];
}

/**
 * A friendly-API instance → a face item. `detect` defaults to the model's setting; a `box` says where the
 * face is (no detection). Only what the instance states is read; anything else is refused with INVALID_INPUT.
 *
 * @example faceInstance({ b64: 'iVBOR…', detect: false }, true) // { input: 'iVBOR…', detect: false }
 */
export function faceInstance(instance: unknown, detectByDefault: boolean): FaceItem {
  if (typeof instance === 'string' || instance instanceof Uint8Array)
    return { input: instance, detect: detectByDefault };
  if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) throw invalidInput(SHAPE);
  const o = instance as Record<string, unknown>;
  const input = [o.b64, o.image].find((v) => typeof v === 'string' || v instanceof Uint8Array) as
    | string
    | Uint8Array
    | undefined;
  if (input === undefined) throw invalidInput(SHAPE);
  if (o.detect !== undefined && typeof o.detect !== 'boolean') throw invalidInput('"detect" is true or false');
  if (o.box === undefined) return { input, detect: o.detect ?? detectByDefault };
  if (o.detect === true) throw invalidInput('"box" gives the face: it cannot go with "detect": true');
  return { input, detect: false, box: boxOf(o.box) };
}
