import { Hono } from 'hono';
import { invalidInput } from '../../core/errors.ts';
import { parseVersion } from '../../model-store/names.ts';
import type { ModelRepository } from '../../model-store/repository.ts';
import type { GatewayEnv } from '../http/body.ts';
import type { Servable } from '../models/servable.ts';
import { repositoryBody } from './routes.ts';

/**
 * Version labels at run time (admin): `GET /v2/repository/models/{m}/labels`,
 * `PUT /v2/repository/models/{m}/labels/{label}` with `{"version": 2}`, and `DELETE` of the same path.
 * Each change is persisted in `<store>/<m>/version-labels.json` before it is answered.
 */
export function labelRoutes(repository: ModelRepository<Servable>): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get('/v2/repository/models/:name/labels', (c) => {
    const name = c.req.param('name');
    repository.get(name); // 400/404/503 like any model route
    return c.json({ name, labels: repository.labelsOf(name) });
  });
  app.put('/v2/repository/models/:name/labels/:label', async (c) => {
    const body = await repositoryBody(c);
    const version = parseVersion(body.version);
    if (version === undefined) throw invalidInput('expected {"version": <positive integer>}');
    const name = c.req.param('name');
    await repository.setLabel(name, c.req.param('label'), version);
    return c.json({ name, labels: repository.labelsOf(name) });
  });
  app.delete('/v2/repository/models/:name/labels/:label', async (c) => {
    const name = c.req.param('name');
    await repository.deleteLabel(name, c.req.param('label'));
    return c.json({ name, labels: repository.labelsOf(name) });
  });
  return app;
}
