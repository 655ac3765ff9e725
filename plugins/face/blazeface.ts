/** A detected face in image pixels: corners and the detector's confidence. */
export interface FaceBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
}

/** BlazeFace (MediaPipe's back-camera model, as Human ships it) takes 256×256 RGB in [-1, 1]. */
export const BLAZEFACE_SIZE = 256;

/** Where an image lands in the square detector input: scaled to fit, centred, the rest padding. */
export interface Letterbox {
  /** Detector pixels per image pixel. */
  scale: number;
  /** The scaled image's size and its offset in the square. */
  width: number;
  height: number;
  left: number;
  top: number;
}

/**
 * The letterbox of a `width` × `height` image in a `side` × `side` square (aspect kept, centred).
 * @example letterbox(512, 256, 256) // { scale: 0.5, width: 256, height: 128, left: 0, top: 64 }
 */
export function letterbox(width: number, height: number, side = BLAZEFACE_SIZE): Letterbox {
  const scale = side / Math.max(width, height);
  const w = Math.max(1, Math.min(side, Math.round(width * scale)));
  const h = Math.max(1, Math.min(side, Math.round(height * scale)));
  return { scale, width: w, height: h, left: Math.floor((side - w) / 2), top: Math.floor((side - h) / 2) };
}

/**
 * BlazeFace's 896 anchor centres in input pixels (Human's `generateAnchors` for a 256 input): a 16×16 grid
 * of stride 16 with 2 anchors per cell, then an 8×8 grid of stride 32 with 6.
 */
export function anchors(side = BLAZEFACE_SIZE): Float32Array {
  const out: number[] = [];
  for (const [stride, perCell] of [
    [side / 16, 2],
    [side / 8, 6],
  ] as const) {
    const cells = Math.ceil(side / stride);
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let k = 0; k < perCell; k++) out.push(stride * (x + 0.5), stride * (y + 0.5));
  }
  return Float32Array.from(out);
}

const ANCHORS = anchors();

/** Intersection over union of two boxes. */
export function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

/**
 * MediaPipe's weighted non-maximum suppression: the best remaining candidate and every other one overlapping
 * it by more than `iouThreshold` become one face whose box is their score-weighted mean and whose score is
 * the best one's. Best first, at most `max`.
 */
export function weightedNms(candidates: readonly FaceBox[], iouThreshold: number, max: number): FaceBox[] {
  let left = [...candidates].sort((a, b) => b.score - a.score);
  const out: FaceBox[] = [];
  while (left.length && out.length < max) {
    const best = left[0]!;
    const group = left.filter((c) => c === best || iou(best, c) > iouThreshold);
    left = left.filter((c) => !group.includes(c));
    const total = group.reduce((s, c) => s + c.score, 0);
    const mean = (k: 'x1' | 'y1' | 'x2' | 'y2') => group.reduce((s, c) => s + c[k] * c.score, 0) / total;
    out.push({ x1: mean('x1'), y1: mean('y1'), x2: mean('x2'), y2: mean('y2'), score: best.score });
  }
  return out;
}

/** The raw model outputs of one image: per anchor, a logit and 16 regressors (box centre and size, 6 key points). */
export interface RawDetections {
  /** 896 logits: the 512 stride-16 anchors, then the 384 stride-32 ones. */
  logits: Float32Array;
  /** 896 × 16 regressors, same order. */
  regressors: Float32Array;
}

/**
 * One image's faces from BlazeFace's outputs: anchors whose sigmoid score reaches `minScore`, decoded
 * (centre offset + anchor, size), merged by weighted NMS, then mapped from the letterboxed input back to
 * the image's own pixels (clipped to it).
 */
export function decodeFaces(
  raw: RawDetections,
  image: { width: number; height: number },
  o: { minScore: number; iouThreshold: number; maxFaces: number },
): FaceBox[] {
  const box = letterbox(image.width, image.height);
  const minLogit = Math.log(o.minScore / (1 - o.minScore));
  const candidates: FaceBox[] = [];
  for (let i = 0; i < raw.logits.length; i++) {
    if (!(raw.logits[i]! >= minLogit)) continue;
    const r = raw.regressors.subarray(i * 16, i * 16 + 4);
    const cx = r[0]! + ANCHORS[2 * i]!,
      cy = r[1]! + ANCHORS[2 * i + 1]!;
    const toX = (x: number) => Math.min(image.width, Math.max(0, (x - box.left) / box.scale));
    const toY = (y: number) => Math.min(image.height, Math.max(0, (y - box.top) / box.scale));
    candidates.push({
      x1: toX(cx - r[2]! / 2),
      y1: toY(cy - r[3]! / 2),
      x2: toX(cx + r[2]! / 2),
      y2: toY(cy + r[3]! / 2),
      score: 1 / (1 + Math.exp(-raw.logits[i]!)),
    });
  }
  return weightedNms(
    candidates.filter((c) => c.x2 - c.x1 >= 1 && c.y2 - c.y1 >= 1),
    o.iouThreshold,
    o.maxFaces,
  );
}
