import { describe, expect, it } from 'vitest';
import { warmUpFeeds } from './warm-up.ts';

describe('warmUpFeeds', () => {
  it('zeros of the declared shape with a dynamic batch dimension as 1, every datatype', () => {
    const feeds = warmUpFeeds([
      { name: 'x', datatype: 'FP32', shape: [-1, 4] },
      { name: 'ids', datatype: 'INT64', shape: [-1, 2] },
      { name: 'text', datatype: 'BYTES', shape: [-1] },
      { name: 'sr', datatype: 'INT64', shape: [] },
    ])!;
    expect(feeds.x).toEqual({ name: 'x', datatype: 'FP32', shape: [1, 4], data: new Float32Array(4) });
    expect(feeds.ids).toEqual({ name: 'ids', datatype: 'INT64', shape: [1, 2], data: new BigInt64Array(2) });
    expect(feeds.text).toEqual({ name: 'text', datatype: 'BYTES', shape: [1], data: [new Uint8Array(0)] });
    expect(feeds.sr).toEqual({ name: 'sr', datatype: 'INT64', shape: [], data: new BigInt64Array(1) });
  });

  it('no warm-up when a size past the batch dimension cannot be known, or there are no inputs', () => {
    expect(warmUpFeeds([{ name: 'image', datatype: 'FP32', shape: [-1, -1, -1, 3] }])).toBeUndefined();
    expect(
      warmUpFeeds([
        { name: 'x', datatype: 'FP32', shape: [1, 4] },
        { name: 'audio', datatype: 'FP32', shape: [1, -1] },
      ]),
    ).toBeUndefined();
    expect(warmUpFeeds([])).toBeUndefined();
  });
});
