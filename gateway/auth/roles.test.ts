import { describe, expect, it } from 'vitest';
import { allows, requiredAccess } from './roles.ts';

describe('route access table', () => {
  it.each([
    ['GET', '/v2/health/live', 'public'],
    ['HEAD', '/v2/health/ready', 'public'],
    ['GET', '/v2', 'infer'],
    ['GET', '/v2/models/resnet', 'infer'],
    ['GET', '/v2/models/resnet/versions/2/ready', 'infer'],
    ['POST', '/v2/models/resnet/infer', 'infer'],
    ['POST', '/v2/models/resnet/versions/2/infer', 'infer'],
    ['GET', '/v1/models', 'infer'],
    ['POST', '/v1/models/resnet:predict', 'infer'],
    ['POST', '/v2/repository/index', 'admin'],
    ['POST', '/v2/repository/models/resnet/load', 'admin'],
    ['POST', '/v2/repository/models/resnet/unload', 'admin'],
    ['POST', '/v2/models/resnet/infer/../../../repository/index', 'admin'],
    ['DELETE', '/v2/models/resnet', 'admin'],
    ['POST', '/v2/experiments', 'admin'],
    ['GET', '/v1/experiments', 'infer'],
    ['GET', '/v1/experiments/ab', 'infer'],
    ['POST', '/v1/experiments/ab/feedback', 'infer'],
    ['POST', '/v1/experiments', 'admin'],
    ['PUT', '/v1/experiments/ab', 'admin'],
    ['DELETE', '/v1/experiments/ab', 'admin'],
    ['POST', '/v1/experiments/ab/weights', 'admin'],
    ['POST', '/v1/experiments/ab/promote', 'admin'],
    ['PUT', '/v2/repository/models/m/labels/stable', 'admin'],
    ['GET', '/console', 'public'],
    ['GET', '/console/views/models.js', 'public'],
    ['GET', '/console/../v2/repository/index', 'admin'],
    ['GET', '/console/.hidden', 'admin'],
    ['POST', '/console', 'admin'],
    ['GET', '/v1/metrics/history', 'admin'],
  ])('%s %s needs %s', (method, path, access) => {
    expect(requiredAccess(method, path, true)).toBe(access);
  });

  it('puts /metrics behind an infer key unless METRICS_AUTH is off', () => {
    expect(requiredAccess('GET', '/metrics', true)).toBe('infer');
    expect(requiredAccess('GET', '/metrics', false)).toBe('public');
  });

  it('lets admin do everything and infer only infer', () => {
    expect([
      allows('admin', 'admin'),
      allows('admin', 'infer'),
      allows('infer', 'infer'),
      allows('infer', 'admin'),
      allows('infer', 'public'),
    ]).toEqual([true, true, true, false, true]);
  });
});
