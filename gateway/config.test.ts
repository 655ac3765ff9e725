import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('edge limits in the configuration', () => {
  it('has sane defaults', () => {
    const c = loadConfig({});
    expect(c.repositoryBodyLimitBytes).toBe(64 * 1024);
    expect(c.limits).toEqual({ maxJsonDepth: 64, maxTensorElements: 67_108_864, maxInstances: 256 });
  });

  it('reads overrides and refuses values that would disable a limit', () => {
    const c = loadConfig({ REPOSITORY_BODY_LIMIT_KB: '8', MAX_JSON_DEPTH: '16', MAX_TENSOR_ELEMENTS: '1000', MAX_INSTANCES: '4' });
    expect(c.repositoryBodyLimitBytes).toBe(8192);
    expect(c.limits).toEqual({ maxJsonDepth: 16, maxTensorElements: 1000, maxInstances: 4 });
    for (const [k, v] of [['MAX_JSON_DEPTH', '0'], ['MAX_JSON_DEPTH', '1e6'], ['MAX_TENSOR_ELEMENTS', String(2 ** 31)], ['MAX_INSTANCES', '-1'], ['REPOSITORY_BODY_LIMIT_KB', '0']]) {
      expect(() => loadConfig({ [k!]: v }), `${k}=${v}`).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });
});
