import type { Point } from './rect.ts';

/** Raw RGB pixels, row by row. */
export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/**
 * Cuts a parallelogram out of an image into an upright `width` × `height` image (PaddleOCR's
 * get_rotate_crop_image, an affine warp): output pixel centres map linearly onto the parallelogram
 * whose top-left is `topLeft`, top side runs to `topRight` and left side to `bottomLeft` (pixel-edge
 * coordinates); bilinear sampling, edge pixels repeated past the image's border (OpenCV's
 * BORDER_REPLICATE). Naming the corners in another order turns the cut: starting at the bottom-right
 * reads it upside down.
 *
 * @example warpParallelogram(page, [10, 20], [310, 46], [7, 50], 301, 30) // a line tilted 5°, made level
 */
export function warpParallelogram(
  src: RgbImage,
  topLeft: Point,
  topRight: Point,
  bottomLeft: Point,
  width: number,
  height: number,
): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const { rgb, width: W, height: H } = src;
  // Per output pixel step along a row (a) and down a column (b), in source pixels.
  const ax = (topRight[0] - topLeft[0]) / width,
    ay = (topRight[1] - topLeft[1]) / width;
  const bx = (bottomLeft[0] - topLeft[0]) / height,
    by = (bottomLeft[1] - topLeft[1]) / height;
  let o = 0;
  for (let v = 0; v < height; v++) {
    // Source position of the output pixel's centre, in pixel-centre coordinates (hence − 0.5).
    let x = topLeft[0] + (v + 0.5) * bx + 0.5 * ax - 0.5;
    let y = topLeft[1] + (v + 0.5) * by + 0.5 * ay - 0.5;
    for (let u = 0; u < width; u++, x += ax, y += ay) {
      const fx = Math.floor(x),
        fy = Math.floor(y);
      const tx = x - fx,
        ty = y - fy;
      const x0 = fx < 0 ? 0 : fx >= W ? W - 1 : fx;
      const x1 = fx + 1 < 0 ? 0 : fx + 1 >= W ? W - 1 : fx + 1;
      const y0 = fy < 0 ? 0 : fy >= H ? H - 1 : fy;
      const y1 = fy + 1 < 0 ? 0 : fy + 1 >= H ? H - 1 : fy + 1;
      const p00 = (y0 * W + x0) * 3,
        p01 = (y0 * W + x1) * 3,
        p10 = (y1 * W + x0) * 3,
        p11 = (y1 * W + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const top = rgb[p00 + c]! + (rgb[p01 + c]! - rgb[p00 + c]!) * tx;
        const bottom = rgb[p10 + c]! + (rgb[p11 + c]! - rgb[p10 + c]!) * tx;
        out[o++] = Math.round(top + (bottom - top) * ty);
      }
    }
  }
  return out;
}
