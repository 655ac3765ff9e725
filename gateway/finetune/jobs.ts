import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../../core/errors.ts';
import { log } from '../../core/log.ts';
import { writeJsonAtomic } from '../../model-store/labels.ts';
import { FINAL_STATES, type JobRecord } from './job.ts';

/** What a job's listeners hear: its record after each change (`event` names the change for SSE). */
type JobListener = (event: 'state' | 'progress' | 'epoch', job: JobRecord) => void;

/** Least time between two writes of a job's record for progress and epoch changes. */
const SAVE_EVERY_MS = 1000;

/** `ft-…` fine-tuning, `ds-…` distillation. */
const ID = /^(?:ft|ds)-[0-9a-z]{6,20}-[0-9a-f]{8}$/;

/**
 * The fine-tuning jobs: one active job per model (a second is CONFLICT), each record written to
 * `<dir>/<id>.json` (temporary file + rename) at every change, so a restart finds it. A job that was not
 * finished when the gateway stopped is marked `failed` with the reason when the registry opens — never
 * silently lost. The newest `kept` finished jobs are remembered.
 */
export class JobRegistry {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly listeners = new Map<string, Set<JobListener>>();
  private readonly aborts = new Map<string, AbortController>();
  /** When each job's record was last written (ms since the epoch). */
  private readonly savedAt = new Map<string, number>();

  /** Jobs found unfinished when the registry opened (now `failed`): their staging folders may be left. */
  readonly interrupted: JobRecord[] = [];

  constructor(
    private readonly dir: string,
    private readonly kept: number,
  ) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      if (!f.endsWith('.json') || !ID.test(f.slice(0, -5))) continue;
      try {
        const job = JSON.parse(readFileSync(join(dir, f), 'utf8')) as JobRecord;
        if (!FINAL_STATES.includes(job.state)) {
          Object.assign(job, {
            error: `the gateway stopped while the job was ${job.state}; nothing was published`,
            state: 'failed',
            finishedAt: new Date().toISOString(),
          });
          this.save(job);
          this.interrupted.push(job);
          log.warn('fine-tuning job interrupted by a restart', { job: job.id, model: job.model });
        }
        this.jobs.set(job.id, job);
      } catch (e) {
        log.warn('unreadable fine-tuning job record skipped', { file: f, error: String(e) });
      }
    }
  }

  /** Starts a job record for `model`; CONFLICT while another job of that model is not finished. */
  create(init: Omit<JobRecord, 'id' | 'state' | 'createdAt' | 'updatedAt' | 'epochs'>): {
    job: JobRecord;
    signal: AbortSignal;
  } {
    const busy = this.active(init.model);
    if (busy)
      throw new GatewayError(
        'CONFLICT',
        `model '${init.model}' already has a ${busy.kind === 'distill' ? 'distillation' : 'fine-tuning'} job running (${busy.id}); cancel it or wait for it to finish`,
      );
    const now = new Date().toISOString();
    const job: JobRecord = {
      ...init,
      id: `${init.kind === 'distill' ? 'ds' : 'ft'}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
      state: 'queued',
      createdAt: now,
      updatedAt: now,
      epochs: [],
    };
    const abort = new AbortController();
    // Every request a job sends through the schedulers (an ensemble's members, chunks) listens to its signal.
    setMaxListeners(256, abort.signal);
    this.jobs.set(job.id, job);
    this.aborts.set(job.id, abort);
    this.save(job);
    this.trim();
    return { job, signal: abort.signal };
  }

  /** The unfinished job of a model, if any. */
  active(model: string): JobRecord | undefined {
    return [...this.jobs.values()].find((j) => j.model === model && !FINAL_STATES.includes(j.state));
  }

  /** A job by id; JOB_NOT_FOUND for an unknown or malformed id. */
  get(id: string): JobRecord {
    const job = ID.test(id) ? this.jobs.get(id) : undefined;
    if (!job) throw new GatewayError('JOB_NOT_FOUND', `no job '${id.slice(0, 64)}'`);
    return job;
  }

  /** Every job, newest first (optionally of one model). */
  list(model?: string): JobRecord[] {
    return [...this.jobs.values()]
      .filter((j) => !model || j.model === model)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /**
   * Changes a job, persists it and tells its listeners. A finished job no longer changes, except its result (a
   * rollback).
   */
  update(job: JobRecord, patch: Partial<JobRecord>, event: 'state' | 'progress' | 'epoch' = 'state'): void {
    if (FINAL_STATES.includes(job.state) && Object.keys(patch).some((k) => k !== 'result')) return;
    const before = job.state;
    Object.assign(job, patch, { updatedAt: new Date().toISOString() });
    if (FINAL_STATES.includes(job.state)) {
      job.finishedAt ??= job.updatedAt;
      delete job.etaS;
      this.aborts.delete(job.id);
    }
    // A state change is written at once; progress and epochs at most once a second (each write is the whole
    // record, on the HTTP thread), so a restart loses at most the last second of them.
    if (event === 'state' || job.state !== before || Date.now() - (this.savedAt.get(job.id) ?? 0) >= SAVE_EVERY_MS)
      this.save(job);
    for (const l of this.listeners.get(job.id) ?? []) l(event, job);
    if (FINAL_STATES.includes(job.state)) this.listeners.delete(job.id);
  }

  /** Hears a job's changes until the returned function is called or the job finishes. */
  subscribe(id: string, listener: JobListener): () => void {
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** Asks a running job to stop (it ends `cancelled`, nothing published); CONFLICT when it is finished. */
  cancel(id: string): JobRecord {
    const job = this.get(id);
    if (FINAL_STATES.includes(job.state)) throw new GatewayError('CONFLICT', `job ${id} is already ${job.state}`);
    this.aborts.get(id)?.abort();
    return job;
  }

  /** Stops every running job (shutdown): they end `failed` with `reason`, nothing published. */
  stopAll(reason: string): void {
    for (const a of this.aborts.values()) a.abort(new GatewayError('UNAVAILABLE', reason));
  }

  private save(job: JobRecord): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      writeJsonAtomic(join(this.dir, `${job.id}.json`), job);
      this.savedAt.set(job.id, Date.now());
    } catch (e) {
      log.error('fine-tuning job record not written', { job: job.id, error: String(e) });
    }
  }

  /** Forgets the oldest finished jobs beyond `kept`. */
  private trim(): void {
    const finished = this.list().filter((j) => FINAL_STATES.includes(j.state));
    for (const j of finished.slice(this.kept)) {
      this.jobs.delete(j.id);
      rmSync(join(this.dir, `${j.id}.json`), { force: true });
      this.savedAt.delete(j.id);
    }
  }
}
