import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/** The HTTP ceiling: a plain Hono app that parses a JSON body and sends it back. */
const app = new Hono();
app.get('/health', (c) => c.json({ ok: true }));
app.post('/echo', async (c) => c.json(await c.req.json()));
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 18090), hostname: process.env.HOST ?? '127.0.0.1' });
