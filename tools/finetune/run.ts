import { FINAL_STATES, Gateway, HttpError, type Job } from './api.ts';
import { parseCommand, UsageError, USAGE, type Command } from './args.ts';
import { ProgressView } from './progress.ts';
import { exitCode, summary } from './summary.ts';
import { finetuneBody } from './upload.ts';

/**
 * `npm run finetune -- --model <m> --data <dir> [options]`: starts a fine-tuning job through the gateway's
 * HTTP API, follows its server-sent events with progress on stderr, and prints the final scores (or, with
 * `--json`, the job record) on stdout. Ctrl-C cancels the job, waits for it to stop and exits 130.
 * Exit codes: 0 succeeded, 3 rejected, 1 failed or cancelled or an HTTP error, 2 a bad command line.
 */

const err = (text: string) => void process.stderr.write(text);
const print = (text: string) => new Promise<void>((resolve) => process.stdout.write(text, () => resolve()));
const isFinal = (job: Job) => FINAL_STATES.includes(job.state);

/** Follows a job until it is final: its events, and after a dropped stream the record, then the events again. */
async function follow(gw: Gateway, id: string, view: ProgressView): Promise<Job> {
  for (let drops = 0; ; drops++) {
    try {
      for await (const e of gw.events(id)) {
        if (e.event !== 'state' && e.event !== 'progress' && e.event !== 'epoch') continue;
        const job = JSON.parse(e.data) as Job;
        view.show(job);
        if (isFinal(job)) return job;
      }
    } catch (e) {
      if (e instanceof HttpError && e.status !== 0 && e.status < 500) throw e;
      if (drops >= 10) throw e;
    }
    // The stream ended before the job did (a proxy timeout, a dropped connection): ask, then listen again.
    const job = await gw.get(id).catch((e) => {
      if (drops >= 10 || (e instanceof HttpError && e.status !== 0 && e.status < 500)) throw e;
      return undefined;
    });
    if (job) {
      view.show(job);
      if (isFinal(job)) return job;
    }
    await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** drops)));
  }
}

async function main(cmd: Command): Promise<number> {
  const gw = new Gateway(cmd.url, cmd.key);
  const { body, contentType, uploaded } = await finetuneBody(cmd);
  err(
    cmd.source.kind === 'upload'
      ? `uploading ${uploaded.train} training${uploaded.validation ? ` and ${uploaded.validation} validation` : ''} examples to ${cmd.url} …\n`
      : `fine-tuning on the server's dataset '${cmd.source.dataset}' …\n`,
  );
  // Ctrl-C from here on cancels the job; before the gateway has answered, as soon as it answers (an aborted
  // upload could still start a job that no one follows).
  let interrupted = false;
  let jobId: string | undefined;
  const cancel = (id: string) => gw.cancel(id).catch((e: Error) => err(`could not cancel: ${e.message}\n`));
  if (cmd.follow) {
    process.on('SIGINT', () => {
      if (interrupted) process.exit(130); // a second Ctrl-C: stop waiting
      interrupted = true;
      err(
        `\ncancelling ${jobId ? `job ${jobId}` : 'the job once the gateway accepts it'} … (Ctrl-C again to stop waiting)\n`,
      );
      if (jobId) void cancel(jobId);
    });
  }
  const started = await gw.start(cmd.model, body, contentType);
  jobId = started.id;
  if (!cmd.follow) {
    await print(cmd.json ? `${JSON.stringify(started, null, 2)}\n` : `${started.id}\n`);
    return 0;
  }
  if (interrupted) void cancel(started.id);
  err(
    `job ${started.id}: ${cmd.model} version ${started.baseVersion}, classes ${started.classes.join(', ')} (Ctrl-C cancels it)\n`,
  );

  const view = new ProgressView(process.stderr);
  const job = await follow(gw, started.id, view);
  view.end();
  await print(cmd.json ? `${JSON.stringify(job, null, 2)}\n` : summary(job));
  return interrupted ? 130 : exitCode(job.state);
}

let code: number;
try {
  const cmd = parseCommand(process.argv.slice(2), process.env);
  if (cmd === 'help') {
    await print(USAGE);
    code = 0;
  } else {
    code = await main(cmd);
  }
} catch (e) {
  if (e instanceof UsageError) {
    err(`finetune: ${e.message}\n${USAGE.split('\n')[0]}\n(--help for every option)\n`);
    code = 2;
  } else if (e instanceof HttpError) {
    err(`finetune: ${e.message}\n`);
    code = 1;
  } else {
    err(`finetune: ${(e as Error)?.stack ?? String(e)}\n`);
    code = 1;
  }
}
process.exit(code);
