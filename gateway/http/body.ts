import type { Context } from 'hono';
import { GatewayError } from '../../core/errors.ts';

/** Parses a JSON body; malformed JSON is a clear 400, never a 500. */
export async function readJson(c: Context): Promise<unknown> {
  return parseJsonText(await c.req.text());
}

/** JSON.parse with the gateway's error for malformed or empty text. */
export function parseJsonText(text: string): unknown {
  if (text.trim() === '') throw new GatewayError('INVALID_JSON', 'the request body is empty; expected JSON');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new GatewayError('INVALID_JSON', `malformed JSON: ${(e as Error).message}`);
  }
}

/** The request's abort signal: fires when the client disconnects. */
export const clientSignal = (c: Context): AbortSignal | undefined => c.req.raw.signal;
