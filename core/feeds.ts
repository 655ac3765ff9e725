import { invalidInput } from './errors.ts';
import { shapeMatches, shapeText, type DataType, type TensorInfo } from './tensor.ts';

/** Which datatypes an input takes: by default exactly its declared one. */
type Accepts = (given: DataType, declared: DataType) => boolean;

const exactly: Accepts = (given, declared) => given === declared;

/**
 * The declared input a feed goes to, after checking the feed against it: a known name, a datatype the
 * input takes, a shape that fits (-1 matches any size). Throws INVALID_INPUT naming the input.
 *
 * @example checkFeed({ name: 'x', datatype: 'FP32', shape: [2, 4] }, [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }]);
 */
export function checkFeed(
  feed: Pick<TensorInfo, 'name' | 'datatype' | 'shape'>,
  inputs: readonly TensorInfo[],
  accepts: Accepts = exactly,
): TensorInfo {
  const declared = inputs.find((i) => i.name === feed.name);
  if (!declared)
    throw invalidInput(`unknown input '${feed.name}' (the model's inputs: ${inputs.map((i) => i.name).join(', ')})`);
  if (!accepts(feed.datatype, declared.datatype)) {
    throw invalidInput(
      `input '${feed.name}': datatype ${feed.datatype} does not match the model's ${declared.datatype}`,
    );
  }
  if (!shapeMatches(declared.shape, feed.shape)) {
    throw invalidInput(
      `input '${feed.name}': shape ${shapeText(feed.shape)} does not match the model's ${shapeText(declared.shape)}`,
    );
  }
  return declared;
}

/** Throws INVALID_INPUT naming every declared input that `fed` says has no feed. */
export function checkAllFed(inputs: readonly TensorInfo[], fed: (name: string) => boolean): void {
  const missing = inputs.filter((i) => !fed(i.name)).map((i) => i.name);
  if (missing.length) throw invalidInput(`missing input(s): ${missing.join(', ')}`);
}

/**
 * Refuses feeds a model would reject or silently ignore: an unknown input, a missing one, a datatype
 * it does not take, a shape that does not fit. What every runtime checks before it runs.
 *
 * @example checkFeeds(session.inputs, feeds); // throws INVALID_INPUT, or returns
 */
export function checkFeeds(
  inputs: readonly TensorInfo[],
  feeds: Readonly<Record<string, Pick<TensorInfo, 'name' | 'datatype' | 'shape'>>>,
  accepts: Accepts = exactly,
): void {
  for (const [name, t] of Object.entries(feeds)) checkFeed({ ...t, name }, inputs, accepts);
  checkAllFed(inputs, (name) => Object.hasOwn(feeds, name));
}
