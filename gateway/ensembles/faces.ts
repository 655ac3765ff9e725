import { GatewayError } from '../../core/errors.ts';
import type { SubmitOptions } from '../scheduling/scheduler.ts';
import type { Servable } from '../models/servable.ts';

/** The plugins a per-face ensemble works with: its detector's and its members'. */
export const FACE_DETECTOR_PLUGIN = 'face-detector';
export const FACE_CLASSIFIER_PLUGIN = 'face-classifier';

/** A face as the detector model answers it. */
export interface DetectedFace {
  box: [number, number, number, number];
  score: number;
}

/** How one instance of a per-face vote is asked: as a crop (one row), or as the faces found in it. */
export type FacePlan = { crop: true; row: number } | { crop: false; faces: Array<DetectedFace & { row: number }> };

/** An instance that says it is a crop or names its face (`"detect": false`, a `box`): it is voted on as it is. */
function isCrop(instance: unknown): boolean {
  if (typeof instance !== 'object' || instance === null || instance instanceof Uint8Array) return false;
  const o = instance as { detect?: unknown; box?: unknown };
  return o.detect === false || o.box !== undefined;
}

/** The image an instance carries (a string, bytes, or its `b64` / `image` field), for a per-face instance. */
function imageOf(instance: unknown): unknown {
  if (typeof instance !== 'object' || instance === null || instance instanceof Uint8Array) return instance;
  const o = instance as { b64?: unknown; image?: unknown };
  return o.b64 ?? o.image;
}

const area = (f: DetectedFace) => (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]);

/**
 * The instances the members vote on, one per face (`{image, box}`, largest face first) or per crop, and
 * where each image's rows are. The detector model finds the faces, once for all members.
 */
export async function planFaces(
  detector: Servable,
  instances: readonly unknown[],
  options: SubmitOptions,
): Promise<{ plans: FacePlan[]; asked: unknown[] }> {
  const searched = instances.flatMap((instance, i) => (isCrop(instance) ? [] : [i]));
  const found = searched.length
    ? ((await detector.predict(
        searched.map((i) => instances[i]),
        {},
        options,
      )) as Array<{ faces?: DetectedFace[] }>)
    : [];
  const faces = new Map(searched.map((i, k) => [i, [...(found[k]?.faces ?? [])].sort((a, b) => area(b) - area(a))]));
  const asked: unknown[] = [];
  const plans = instances.map((instance, i): FacePlan => {
    const own = faces.get(i);
    if (!own) return { crop: true, row: asked.push(instance) - 1 };
    const image = imageOf(instance);
    return { crop: false, faces: own.map((f) => ({ ...f, row: asked.push({ image, box: f.box }) - 1 })) };
  });
  return { plans, asked };
}

/** Refuses a per-face ensemble whose detector or members are not served by the face plugins. */
export function checkFaceEnsemble(
  name: string,
  detector: string,
  resolve: (n: string) => Servable,
  members: ReadonlyArray<{ spec: string; model: Servable }>,
): void {
  let d: Servable;
  try {
    d = resolve(detector);
  } catch (e) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `ensemble '${name}': its detector '${detector}' is not available (${(e as Error).message})`,
    );
  }
  if (d.describe().plugin !== FACE_DETECTOR_PLUGIN)
    throw new GatewayError(
      'CONFIG_INVALID',
      `ensemble '${name}': its detector '${detector}' is not served by plugin '${FACE_DETECTOR_PLUGIN}'`,
    );
  for (const m of members)
    if (m.model.describe().plugin !== FACE_CLASSIFIER_PLUGIN)
      throw new GatewayError(
        'CONFIG_INVALID',
        `ensemble '${name}': member '${m.spec}' is not served by plugin '${FACE_CLASSIFIER_PLUGIN}', so it cannot vote per face`,
      );
}
