import type { Job } from './api.ts';

/** Where progress is drawn: stderr, or anything with `write` (a TTY gets bars redrawn in place). */
interface Terminal {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const STATES: Record<string, string> = {
  queued: 'queued',
  extracting: 'extracting features',
  training: 'training',
  validating: 'scoring the held-out examples',
  publishing: 'publishing',
};

/** `[#####.....]` of `width` cells. */
function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Seconds as `42s`, `3m05s`, `1h02m`. */
function duration(s: number): string {
  const t = Math.max(0, Math.round(s));
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/**
 * Draws a job's progress from the records its events carry: a line per state, a bar for feature extraction,
 * and per epoch a line with a bar, loss, accuracy, validation loss and accuracy and the ETA. A TTY gets the
 * bars redrawn in place (one feature line, one epoch line); anything else plain lines, for the features one
 * every 10 %. Each record is compared with what was drawn, so a
 * record seen twice (or a reconnect) draws nothing new.
 *
 * @example
 * const view = new ProgressView(process.stderr);
 * for await (const e of gateway.events(id)) view.show(JSON.parse(e.data));
 * view.end();
 */
export class ProgressView {
  private state = '';
  private epochs = 0;
  private decile = -1;
  /** A bar is on the current line (TTY): the next line must start on a fresh one. */
  private open = false;

  constructor(private readonly out: Terminal) {}

  show(job: Job): void {
    if (job.state !== this.state) {
      this.state = job.state;
      if (STATES[job.state])
        this.line(
          `${STATES[job.state]}${job.state === 'extracting' ? ` (${job.examples.train} training, ${job.examples.validation} validation, ${job.examples.augmented} augmented examples)` : ''}`,
        );
    }
    if (job.progress && job.state === 'extracting') this.features(job.progress.done, job.progress.total);
    // A TTY redraws one epoch line in place (the last); anything else gets a line per epoch.
    for (const e of job.epochs.slice(this.out.isTTY ? Math.max(this.epochs, job.epochs.length - 1) : this.epochs)) {
      const of = job.options.epochs;
      const eta =
        e === job.epochs.at(-1) && e.epoch < of && job.etaS !== undefined && job.state === 'training'
          ? `  ETA ${duration(job.etaS)}`
          : '';
      const text = `epoch ${String(e.epoch).padStart(String(of).length)}/${of} ${bar(e.epoch, of, 12)}  loss ${f3(e.loss)}  acc ${f3(e.accuracy)}  val loss ${f3(e.valLoss)}  val acc ${f3(e.valAccuracy)}${eta}`;
      if (this.out.isTTY) this.inPlace(text);
      else this.line(text);
    }
    this.epochs = Math.max(this.epochs, job.epochs.length);
  }

  /** Ends a bar left open on the current line. */
  end(): void {
    if (this.open) this.out.write('\n');
    this.open = false;
  }

  private features(done: number, total: number): void {
    const text = `features ${bar(done, total)} ${done}/${total}`;
    if (this.out.isTTY) {
      this.inPlace(text);
      return;
    }
    const decile = total > 0 ? Math.floor((done / total) * 10) : 10;
    if (decile > this.decile) {
      this.decile = decile;
      this.out.write(`${text}\n`);
    }
  }

  /** Redraws the current line (TTY). */
  private inPlace(text: string): void {
    const width = this.out.columns ?? 0;
    this.out.write(`\r\x1b[2K${width > 1 && text.length >= width ? text.slice(0, width - 1) : text}`);
    this.open = true;
  }

  private line(text: string): void {
    this.end();
    this.out.write(`${text}\n`);
  }
}
