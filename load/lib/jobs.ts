import type { JobRecord } from '../../gateway/finetune/job.ts';
import { callJson } from './json.ts';

/** States a job ends in. */
export const FINAL = ['succeeded', 'rejected', 'failed', 'cancelled'];

/**
 * A training job's record (`GET /v1/jobs/{id}`), polled every 100 ms until `done(record)` holds.
 *
 * @example const job = await waitForJob(`${gw.url}/v1/jobs/${id}`, (j) => FINAL.includes(j.state));
 */
export async function waitForJob(url: string, done: (job: JobRecord) => boolean): Promise<JobRecord> {
  for (;;) {
    const { json } = await callJson<JobRecord>(url, 'GET');
    if (done(json)) return json;
    await new Promise((r) => setTimeout(r, 100));
  }
}
