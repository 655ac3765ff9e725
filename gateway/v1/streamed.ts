import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import { GatewayError } from '../../core/errors.ts';
import type { Servable } from '../models/servable.ts';
import { clientSignal, type GatewayEnv } from '../http/body.ts';
import { mediaType } from '../http/content.ts';
import { refuseEarly } from '../http/observe.ts';
import { infoOf, requestLog } from '../http/request-id.ts';
import { errorBody } from '../http/status.ts';
import { bodyParts } from '../http/stream-body.ts';
import { requestTimeoutMs } from '../oip/request.ts';
import { traceOf } from '../telemetry/spans.ts';

/** Query-string parameters as a predict body's `parameters`: numbers and booleans typed, the rest as text. */
function queryParameters(c: Context<GatewayEnv>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.req.query()))
    out[k] = v === 'true' ? true : v === 'false' ? false : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  return out;
}

/** Whether the client asked for newline-delimited JSON (`Accept: application/x-ndjson`). */
const wantsNdjson = (accept: string | undefined) =>
  (accept ?? '').split(',').some((t) => ['application/x-ndjson', 'application/ndjson'].includes(mediaType(t)));

/**
 * `POST /v1/models/{m}:predict` with the recording itself as the body (`Content-Type: audio/wav`…, the
 * parameters in the query string): the body is read as it arrives and analysed a chunk at a time
 * (Servable.predictStream), never held whole. The answer is the usual `{"predictions": [p]}`; with
 * `Accept: application/x-ndjson` it is streamed instead, one JSON line per event as it is found
 * (`{"segment": {...}}`) and the answer as the last line. A bad body is refused with its status while
 * nothing has been streamed yet (the header is checked first); after that an error is the last line,
 * `{"error": …, "code": …}`.
 */
export async function predictStreamed(
  c: Context<GatewayEnv>,
  model: Servable,
  defaultTimeoutMs: number | undefined,
): Promise<Response> {
  const type = mediaType(c.req.header('content-type'));
  if (!model.predictStream || !model.streamTypes?.includes(type))
    throw new GatewayError(
      'UNSUPPORTED_MEDIA_TYPE',
      `model '${model.name}' takes no ${type} body${model.streamTypes?.length ? ` (it takes ${model.streamTypes.join(', ')})` : ''}: send JSON {"instances": [...]}`,
    );
  refuseEarly(model, false);
  const parameters = queryParameters(c);
  const options = {
    signal: clientSignal(c),
    timeoutMs: requestTimeoutMs(parameters) ?? defaultTimeoutMs,
    trace: traceOf(c),
  };
  const head = `{"model_name":${JSON.stringify(model.name)},"model_version":"${model.version}"`;
  if (!wantsNdjson(c.req.header('accept'))) {
    const prediction = await model.predictStream(bodyParts(c), parameters, options);
    return c.body(`${head},"predictions":[${JSON.stringify(prediction)}]}`, 200, {
      'content-type': 'application/json',
    });
  }
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let started!: () => void;
  const accepted = new Promise<void>((resolve) => (started = resolve));
  const work = model.predictStream(bodyParts(c), parameters, options, {
    onStarted: () => started(),
    onEvents: (events) => {
      for (const e of events) lines.push(`${JSON.stringify(e)}\n`);
      notify();
    },
  });
  let finished = false;
  void work
    .catch(() => undefined) // answered below, as the last line
    .finally(() => {
      finished = true;
      notify();
    });
  await Promise.race([accepted, work]); // refused with a status while nothing is sent
  c.header('content-type', 'application/x-ndjson');
  return stream(
    c,
    async (s) => {
      for (;;) {
        while (lines.length > 0) await s.write(lines.shift()!);
        if (finished) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      let last: string;
      try {
        last = `${head},"predictions":[${JSON.stringify(await work)}]}`;
      } catch (e) {
        const { body } = errorBody(e, requestLog(c));
        const info = infoOf(c);
        if (info !== undefined) info.code = body.code;
        last = JSON.stringify(body);
      }
      await s.write(`${last}\n`);
    },
    async (e) => requestLog(c).debug('streamed answer cut short', { error: e.message }), // the client left
  );
}
