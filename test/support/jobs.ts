import type { JobRecord } from '../../gateway/finetune/job.ts';
import { readEvents } from '../../tools/finetune/events.ts';

const FINAL = ['succeeded', 'rejected', 'failed', 'cancelled'];

/**
 * Follows a fine-tuning job's server-sent events (`GET /v1/jobs/{id}/events`) until it ends: the event
 * names, each state as announced (repeats folded), and the last record. Awaits the job's own events,
 * no polling.
 *
 * @example const { job } = await followJob(gw.url, started.body.id); expect(job.state).toBe('succeeded');
 */
export async function followJob(
  url: string,
  id: string,
): Promise<{ events: string[]; states: string[]; job: JobRecord; contentType: string | null }> {
  const res = await fetch(`${url}/v1/jobs/${id}/events`);
  const events: string[] = [];
  const states: string[] = [];
  let job: JobRecord | undefined;
  for await (const e of readEvents(res.body as unknown as AsyncIterable<Uint8Array>)) {
    events.push(e.event);
    job = JSON.parse(e.data) as JobRecord;
    if (states.at(-1) !== job.state) states.push(job.state);
  }
  if (!job || !FINAL.includes(job.state))
    throw new Error(`the events of job ${id} ended before the job did (last state ${job?.state})`);
  return { events, states, job, contentType: res.headers.get('content-type') };
}

/** Resolves with the job's record at its first `event` (e.g. `epoch`), read from its server-sent events. */
export async function jobEvent(url: string, id: string, event: string): Promise<JobRecord> {
  const abort = new AbortController();
  const res = await fetch(`${url}/v1/jobs/${id}/events`, { signal: abort.signal });
  try {
    for await (const e of readEvents(res.body as unknown as AsyncIterable<Uint8Array>))
      if (e.event === event) return JSON.parse(e.data) as JobRecord;
  } finally {
    abort.abort();
  }
  throw new Error(`job ${id} ended without a '${event}' event`);
}
