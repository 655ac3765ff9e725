import { describe, expect, it } from 'vitest';
import { checkAllFed, checkFeed, checkFeeds } from './feeds.ts';
import type { TensorInfo } from './tensor.ts';

const inputs: TensorInfo[] = [
  { name: 'x', datatype: 'FP32', shape: [-1, 4] },
  { name: 'ids', datatype: 'INT64', shape: [-1, 2] },
];
const feed = (name: string, datatype: TensorInfo['datatype'], shape: number[]) => ({ name, datatype, shape });
const refused = (f: () => unknown, message: RegExp) =>
  expect(f).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(message) }));

describe('feed checks', () => {
  it('passes feeds that fit, -1 matching any size', () => {
    expect(checkFeed(feed('x', 'FP32', [3, 4]), inputs)).toBe(inputs[0]);
    expect(() => checkFeeds(inputs, { x: feed('x', 'FP32', [1, 4]), ids: feed('ids', 'INT64', [1, 2]) })).not.toThrow();
  });

  it('refuses an unknown input, naming the ones the model has', () => {
    refused(() => checkFeed(feed('z', 'FP32', [1, 4]), inputs), /unknown input 'z' \(the model's inputs: x, ids\)/);
    refused(
      () =>
        checkFeeds(inputs, {
          x: feed('x', 'FP32', [1, 4]),
          ids: feed('ids', 'INT64', [1, 2]),
          extra: feed('extra', 'FP32', [1]),
        }),
      /unknown input 'extra'/,
    );
  });

  it('refuses a datatype the input does not take, unless the runtime converts it', () => {
    refused(
      () => checkFeed(feed('x', 'FP64', [1, 4]), inputs),
      /input 'x': datatype FP64 does not match the model's FP32/,
    );
    expect(checkFeed(feed('x', 'FP64', [1, 4]), inputs, (given) => given !== 'BYTES').name).toBe('x');
  });

  it('refuses a shape that does not fit: rank or a fixed dimension', () => {
    refused(
      () => checkFeed(feed('x', 'FP32', [1, 3]), inputs),
      /input 'x': shape \[1,3\] does not match the model's \[-1,4\]/,
    );
    refused(() => checkFeed(feed('x', 'FP32', [4]), inputs), /shape \[4\]/);
  });

  it('names every missing input, and is not fooled by names an object inherits', () => {
    refused(() => checkFeeds(inputs, {}), /missing input\(s\): x, ids/);
    const odd: TensorInfo[] = [{ name: 'constructor', datatype: 'FP32', shape: [1] }];
    refused(() => checkFeeds(odd, {}), /missing input\(s\): constructor/);
    expect(() => checkAllFed(inputs, () => true)).not.toThrow();
  });
});
