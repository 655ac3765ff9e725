import { readEvents, type SseEvent } from './events.ts';

/** A fine-tuning job as the gateway shows it (`GET /v1/jobs/{id}`); only the fields the CLI reads are typed. */
export interface Job {
  id: string;
  model: string;
  baseVersion: number;
  state: string;
  classes: string[];
  options: { epochs: number; deploy?: { mode: string; weight?: number } };
  examples: { train: number; validation: number; augmented: number };
  progress?: { done: number; total: number };
  epochs: Array<{ epoch: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number; ms: number }>;
  etaS?: number;
  error?: string;
  result?: {
    scores: {
      candidate: {
        accuracy: number;
        perClass?: Record<string, { precision: number; recall: number; support: number }>;
      };
      served?: { accuracy: number; version: number };
    };
    gate: { minAccuracy: number; notWorse: boolean; passed: boolean; reason?: string };
    version?: number;
    deploy?: { mode: string; experiment?: string; previousDefault?: number; weight?: number };
    bestEpoch?: number;
    stoppedEarly?: boolean;
    backend?: string;
  };
}

export const FINAL_STATES = ['succeeded', 'rejected', 'failed', 'cancelled'];

/** An HTTP answer other than the one expected, with the gateway's `error` message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The gateway's HTTP API as the CLI uses it. */
export class Gateway {
  constructor(
    private readonly url: string,
    private readonly key?: string,
  ) {}

  private async call(
    method: string,
    path: string,
    init: { body?: FormData | string; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (init.contentType) headers['content-type'] = init.contentType;
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new HttpError(
        0,
        `cannot reach the gateway at ${this.url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
      );
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let message = text.trim() || res.statusText;
    try {
      const body = JSON.parse(text) as { error?: unknown };
      if (typeof body.error === 'string') message = body.error;
    } catch {
      // not JSON: the text itself
    }
    throw new HttpError(res.status, `${method} ${path}: ${res.status} ${message}`);
  }

  /** `POST /v1/models/{m}/finetune`: the job accepted (202). */
  async start(model: string, body: FormData | string, contentType?: string): Promise<Job> {
    const res = await this.call('POST', `/v1/models/${encodeURIComponent(model)}/finetune`, {
      body,
      ...(contentType ? { contentType } : {}),
    });
    return (await res.json()) as Job;
  }

  async get(id: string): Promise<Job> {
    return (await (await this.call('GET', `/v1/jobs/${encodeURIComponent(id)}`)).json()) as Job;
  }

  /** `DELETE /v1/jobs/{id}`: asks the job to stop; a job already finished (409) is not an error here. */
  async cancel(id: string): Promise<void> {
    try {
      await this.call('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
    } catch (e) {
      if (!(e instanceof HttpError && e.status === 409)) throw e;
    }
  }

  /** The job's server-sent events (`state`, `progress`, `epoch`, each carrying the record) until the stream ends. */
  async *events(id: string, signal?: AbortSignal): AsyncGenerator<SseEvent> {
    const res = await this.call('GET', `/v1/jobs/${encodeURIComponent(id)}/events`, signal ? { signal } : {});
    if (!res.body) return;
    yield* readEvents(res.body as unknown as AsyncIterable<Uint8Array>);
  }
}
