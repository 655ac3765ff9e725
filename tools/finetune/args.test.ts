import { describe, expect, it } from 'vitest';
import { parseCommand, UsageError, type Command } from './args.ts';

const parse = (args: string[], env: Record<string, string> = {}) => parseCommand(args, env) as Command;
const usage = (args: string[]) => {
  try {
    parseCommand(args, {});
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${args.join(' ')}`);
};

describe('finetune CLI arguments', () => {
  it("maps every option 1:1 onto the API's options, numbers as numbers", () => {
    const cmd = parse([
      '--model',
      'emotion-human',
      '--data',
      'set',
      '--validation',
      'val',
      '--epochs',
      '5',
      '--learning-rate',
      '0.01',
      '--batch-size',
      '16',
      '--validation-split',
      '0.25',
      '--patience',
      '3',
      '--seed',
      '7',
      '--augment',
      'flip, crop,colour',
      '--augment-copies',
      '3',
      '--augment-strength',
      '0.5',
      '--hidden',
      '64',
      '--dropout',
      '0.2',
      '--unfreeze',
      '1',
      '--min-accuracy',
      '0.9',
      '--not-worse',
      'false',
      '--base-version',
      '2',
      '--deploy',
      'canary',
      '--weight',
      '25',
    ]);
    expect(cmd.model).toBe('emotion-human');
    expect(cmd.source).toEqual({ kind: 'upload', data: 'set', validation: 'val' });
    expect(cmd.options).toEqual({
      epochs: 5,
      learningRate: 0.01,
      batchSize: 16,
      validationSplit: 0.25,
      patience: 3,
      seed: 7,
      augment: ['flip', 'crop', 'colour'],
      augmentCopies: 3,
      augmentStrength: 0.5,
      hidden: 64,
      dropout: 0.2,
      unfreeze: 1,
      minAccuracy: 0.9,
      notWorse: false,
      baseVersion: 2,
      deploy: { mode: 'canary', weight: 25 },
    });
    expect(cmd.follow).toBe(true);
    expect(cmd.json).toBe(false);
  });

  it('sends only the options given, leaves ranges to the gateway, and keeps a version label a string', () => {
    const cmd = parse([
      '--model',
      'm',
      '--dataset',
      'sets/a',
      '--validation-dataset',
      'sets/b',
      '--epochs',
      '0',
      '--base-version',
      'stable',
      '--deploy',
      'replace',
      '--no-follow',
      '--json',
    ]);
    expect(cmd.source).toEqual({ kind: 'server', dataset: 'sets/a', validationDataset: 'sets/b' });
    expect(cmd.options).toEqual({ epochs: 0, baseVersion: 'stable', deploy: { mode: 'replace' } });
    expect(cmd.follow).toBe(false);
    expect(cmd.json).toBe(true);
    expect(parse(['--model', 'm', '--data', 'd', '--learning-rate=-0.5']).options).toEqual({ learningRate: -0.5 });
  });

  it('takes the URL and key from flags, else MASSGATE_URL and MASSGATE_API_KEY, else the local default and none', () => {
    expect(parse(['--model', 'm', '--data', 'd'])).toMatchObject({ url: 'http://127.0.0.1:8080' });
    expect(parse(['--model', 'm', '--data', 'd']).key).toBeUndefined();
    expect(
      parse(['--model', 'm', '--data', 'd'], { MASSGATE_URL: 'https://gw.example/', MASSGATE_API_KEY: 'k1' }),
    ).toMatchObject({ url: 'https://gw.example', key: 'k1' });
    expect(
      parse(['--model', 'm', '--data', 'd', '--url', 'http://h:9', '--key', 'k2'], {
        MASSGATE_URL: 'http://x',
        MASSGATE_API_KEY: 'k1',
      }),
    ).toMatchObject({ url: 'http://h:9', key: 'k2' });
  });

  it('--help wins over everything else', () => {
    expect(parseCommand(['--help'], {})).toBe('help');
    expect(parseCommand(['-h', '--epochs', 'x'], {})).toBe('help');
  });

  it.each([
    [['--model', 'm', '--data', 'd', '--epoch', '3'], /Unknown option '--epoch'/],
    [['--model', 'm', '--data', 'd', 'extra'], /positional/],
    [['--data', 'd'], /--model is required/],
    [['--model', 'm'], /one of --data/],
    [['--model', 'm', '--data', 'd', '--dataset', 's'], /one of --data/],
    [['--model', 'm', '--dataset', 's', '--validation', 'v'], /--validation-dataset/],
    [['--model', 'm', '--data', 'd', '--validation-dataset', 'v'], /--validation <dir>/],
    [['--model', 'm', '--data', 'd', '--epochs', 'five'], /--epochs: expected a number, got 'five'/],
    [['--model', 'm', '--data', 'd', '--dropout', ''], /--dropout: expected a number/],
    [['--model', 'm', '--data', 'd', '--seed', 'Infinity'], /--seed: expected a number/],
    [['--model', 'm', '--data', 'd', '--epochs'], /argument missing/],
    [['--model', 'm', '--data', 'd', '--learning-rate', '-0.1'], /--learning-rate=-XYZ/],
    [['--model', 'm', '--data', 'd', '--not-worse', 'yes'], /--not-worse: expected true or false/],
    [['--model', 'm', '--data', 'd', '--deploy', 'swap'], /--deploy: expected one of replace, canary, shadow, none/],
    [['--model', 'm', '--data', 'd', '--weight', '20'], /--deploy canary/],
    [['--model', 'm', '--data', 'd', '--deploy', 'canary', '--weight', 'half'], /--weight: expected a number/],
    [['--model', 'm', '--data', 'd', '--url', 'ftp://x'], /--url: expected an http\(s\) URL/],
    [['--model', 'm', '--data', 'd', '--json=yes'], /does not take an argument/],
  ])('%j is refused with a clear message', (args, message) => {
    expect(usage(args)).toMatch(message);
  });
});
