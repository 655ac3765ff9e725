import { describe, expect, it } from 'vitest';
import { definitionJson, parseDefinition, parseTarget } from './definition.ts';
import { checkCompatible } from './compatibility.ts';

describe('experiment definitions', () => {
  it('parses targets: model, model:version, model@label', () => {
    expect(parseTarget('m')).toEqual({ model: 'm' });
    expect(parseTarget('m:2')).toEqual({ model: 'm', version: '2' });
    expect(parseTarget('m@canary')).toEqual({ model: 'm', version: 'canary' });
    for (const bad of ['', '../x', 'm:0', 'm:x', 'm@2x', 'm@', 'm:1:2', 'm@a@b'])
      expect(parseTarget(bad)).toBeUndefined();
  });

  it('fills defaults: names from targets, weight 1, control = first serving variant; round-trips through JSON', () => {
    const d = parseDefinition(
      { variants: ['a', { target: 'b:2', weight: 3 }, { target: 'c@canary', shadow: true }] },
      'e',
    );
    expect(d.mode).toBe('weighted');
    expect(d.control).toBe('a');
    expect(d.variants.map((v) => [v.name, v.weight, v.shadow])).toEqual([
      ['a', 1, false],
      ['b:2', 3, false],
      ['c@canary', 1, true],
    ]);
    expect(parseDefinition(definitionJson(d), 'e')).toEqual(d);
  });

  it.each([
    [{ variants: [] }, /variants/],
    [{ variants: [{ target: 'a', weight: 0 }] }, /positive/],
    [{ variants: [{ target: 'a', weight: -1 }] }, /positive/],
    [{ variants: [{ target: 'a', weight: Infinity }] }, /weight/],
    [{ variants: ['a', 'a'] }, /duplicate variant 'a'/],
    [
      {
        variants: [
          { name: 'x', target: 'a' },
          { name: 'x', target: 'b' },
        ],
      },
      /duplicate variant 'x'/,
    ],
    [
      {
        variants: [
          { name: 'x', target: 'a' },
          { name: 'y', target: 'a' },
        ],
      },
      /duplicate variant target 'a'/,
    ],
    [{ variants: [{ target: 'a', shadow: true }] }, /every variant is a shadow/],
    [{ variants: ['a'], control: 'zz' }, /control 'zz' is not one of the variants/],
    [{ variants: ['a', { target: 'b', shadow: true }], control: 'b' }, /control 'b' is a shadow/],
    [{ variants: ['../etc'] }, /target/],
    [{ variants: ['a'], mode: 'greedy' }, /mode/],
    [{ variants: ['a'], surprise: 1 }, /surprise|Unrecognized/i],
    ['not an object', /expected object|Invalid input/i],
  ])('refuses %j with a 400 naming the problem', (raw, message) => {
    try {
      parseDefinition(raw, "experiment 'e'");
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('INVALID_INPUT');
      expect((e as Error).message).toMatch(message);
    }
  });

  it('refuses variants with different inputs or label sets', () => {
    const x = { name: 'x', datatype: 'FP32' as const, shape: [-1, 3] };
    expect(() =>
      checkCompatible('e', [
        { variant: 'a', inputs: [x], labels: ['p', 'q'] },
        { variant: 'b', inputs: [{ ...x, shape: [-1, 4] }], labels: ['p', 'q'] },
      ]),
    ).toThrow(/input x FP32 \[-1,4\]/);
    expect(() =>
      checkCompatible('e', [
        { variant: 'a', inputs: [x] },
        { variant: 'b', inputs: [{ ...x, name: 'y' }] },
      ]),
    ).toThrow(/takes inputs/);
    expect(() =>
      checkCompatible('e', [
        { variant: 'a', inputs: [x], labels: ['p', 'q'] },
        { variant: 'b', inputs: [x], labels: ['r', 's'] },
      ]),
    ).toThrow(/labels .* incompatible/);
    expect(() =>
      checkCompatible('e', [
        { variant: 'a', inputs: [x], labels: ['p', 'q'] },
        { variant: 'b', inputs: [x] },
      ]),
    ).toThrow(/no class labels/);
    expect(() =>
      checkCompatible('e', [
        { variant: 'a', inputs: [x], labels: ['p', 'q', 'r'] },
        { variant: 'b', inputs: [{ ...x, shape: [1, 3] }], labels: ['P', 'q'] },
      ]),
    ).not.toThrow();
  });
});
