import { Hono, type Context } from 'hono';
import { invalidInput } from '../../core/errors.ts';
import { readJson, type GatewayEnv } from '../http/body.ts';
import type { ExperimentRegistry } from './registry.ts';

/** The JSON object of an admin request (400 otherwise). */
async function objectBody(c: Context<GatewayEnv>): Promise<Record<string, unknown>> {
  const body = await readJson(c);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidInput('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

/**
 * The experiments API. Reading (`GET /v1/experiments`, `GET /v1/experiments/{name}`) and feedback
 * (`POST /v1/experiments/{name}/feedback`) need an `infer` key; every change needs `admin`
 * (gateway/auth/roles.ts). Each change is checked in full and persisted before it is answered.
 */
export function experimentRoutes(registry: ExperimentRegistry): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get('/v1/experiments', (c) => c.json({ experiments: registry.names().map((n) => registry.describe(n)) }));
  app.get('/v1/experiments/:name', (c) => c.json(registry.describe(c.req.param('name'))));
  app.post('/v1/experiments', async (c) => {
    const { name, ...definition } = await objectBody(c);
    if (typeof name !== 'string') throw invalidInput('expected {"name": "<experiment>", "variants": [...], ...}');
    await registry.wake(name, definition);
    registry.create(name, definition);
    return c.json(registry.describe(name), 201);
  });
  app.put('/v1/experiments/:name', async (c) => {
    const { name, ...definition } = await objectBody(c);
    if (name !== undefined && name !== c.req.param('name'))
      throw invalidInput('"name" in the body differs from the path');
    await registry.wake(c.req.param('name'), definition);
    registry.put(c.req.param('name'), definition);
    return c.json(registry.describe(c.req.param('name')));
  });
  app.delete('/v1/experiments/:name', (c) => {
    registry.delete(c.req.param('name'));
    return c.json({ deleted: c.req.param('name') });
  });
  app.post('/v1/experiments/:name/weights', async (c) => {
    registry.setWeights(c.req.param('name'), (await objectBody(c)).weights);
    return c.json(registry.describe(c.req.param('name')));
  });
  app.post('/v1/experiments/:name/pause', async (c) => {
    registry.setPaused(c.req.param('name'), (await objectBody(c)).variant, true);
    return c.json(registry.describe(c.req.param('name')));
  });
  app.post('/v1/experiments/:name/resume', async (c) => {
    registry.setPaused(c.req.param('name'), (await objectBody(c)).variant, false);
    return c.json(registry.describe(c.req.param('name')));
  });
  app.post('/v1/experiments/:name/promote', async (c) => {
    const body = await objectBody(c);
    if (body.end !== undefined && typeof body.end !== 'boolean') throw invalidInput('"end" is true or false');
    const done = await registry.promote(c.req.param('name'), body.variant, body.end === true);
    return c.json({
      promoted: body.variant,
      ...done,
      ...(done.ended ? {} : { experiment: registry.describe(c.req.param('name')) }),
    });
  });
  app.post('/v1/experiments/:name/rollback', async (c) => {
    await registry.rollback(c.req.param('name'));
    return c.json(registry.describe(c.req.param('name')));
  });
  app.post('/v1/experiments/:name/feedback', async (c) => {
    const body = await objectBody(c);
    const { variant } = registry.feedback(c.req.param('name'), body.id, body.reward);
    return c.json({ experiment: c.req.param('name'), variant, reward: body.reward });
  });
  return app;
}
