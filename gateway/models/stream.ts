import type { Tensor } from '../../core/tensor.ts';
import type { StreamSession } from '../../plugins/stream.ts';

/** One model's side of a streamed body: its plugin's session, and its worker step through its scheduler. */
export interface StreamTarget {
  session: StreamSession;
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
}

interface PumpOptions {
  /** A target's events (segments found…), as each chunk's answer comes back. */
  onEvents?(target: number, events: unknown[]): void;
  /** Once every target's session has read the body's header (it was accepted): the body is good so far. */
  onStarted?(): void;
  /**
   * A target's chunk failed: true goes on without it (an ensemble member), false fails the stream
   * (the default). Errors the body causes (`write`, `end`) always fail it.
   */
  keepGoing?(target: number, error: unknown): boolean;
}

/**
 * Feeds a streamed body to one or more targets (an ensemble's members read the same body): each part
 * is written to every live target's session, and each target's chunks run one at a time, each once the
 * previous one's answer is in (it carries the state the next starts from). While a target's chunk
 * runs, the body goes on being read until its next chunk is complete; then reading waits. So memory
 * holds about two chunks per target, and the client sends no faster than the slowest target analyses.
 * Resolves once every live target's last chunk is answered; returns the targets left out (their
 * errors), by index.
 *
 * @example await pumpStream(bodyParts(c), [{ session, run: (feeds) => model.runStep(feeds) }]);
 */
export async function pumpStream(
  parts: AsyncIterable<Uint8Array>,
  targets: readonly StreamTarget[],
  o: PumpOptions = {},
): Promise<Map<number, unknown>> {
  const failed = new Map<number, unknown>();
  const running: Array<Promise<void> | undefined> = targets.map(() => undefined);
  let started = false;
  /** Rethrows a target's failure, unless the stream goes on without it. */
  const settle = (i: number, e: unknown) => {
    if (!(o.keepGoing?.(i, e) ?? false)) throw e;
    failed.set(i, e);
    running[i] = undefined;
  };
  /** Whether target i is live and has a complete chunk waiting. */
  const ready = (i: number) => !failed.has(i) && targets[i]!.session.ready();
  /**
   * Runs the live targets' complete chunks, each once its chunk in flight has been answered (the
   * targets side by side: an ensemble's members run at once).
   */
  const submit = async () => {
    while (targets.some((_, i) => ready(i))) {
      await Promise.all(
        targets.map(async (t, i) => {
          if (!ready(i)) return;
          try {
            await running[i];
          } catch (e) {
            settle(i, e);
            return;
          }
          const p = t.run(t.session.next()).then((out) => {
            const events = t.session.took(out);
            o.onEvents?.(i, events);
          });
          p.catch(() => undefined); // observed when awaited: never an unhandled rejection meanwhile
          running[i] = p;
        }),
      );
    }
  };
  for await (const part of parts) {
    for (const [i, t] of targets.entries()) if (!failed.has(i)) t.session.write(part);
    if (!started && targets.every((t, i) => failed.has(i) || t.session.started)) {
      started = true;
      o.onStarted?.();
    }
    await submit();
  }
  for (const [i, t] of targets.entries()) if (!failed.has(i)) t.session.end();
  if (!started) o.onStarted?.();
  // The last chunks: after `end` each session has one more, run once the chunk before it is answered.
  while (targets.some((t, i) => !failed.has(i) && !t.session.done)) {
    await submit();
    let waited = false;
    for (const [i] of targets.entries()) {
      if (failed.has(i) || running[i] === undefined) continue;
      try {
        await running[i];
      } catch (e) {
        settle(i, e);
      }
      running[i] = undefined;
      waited = true;
    }
    if (!waited && !targets.some((t, i) => !failed.has(i) && t.session.ready()))
      throw new Error('a stream session is not done after its last chunk');
  }
  return failed;
}
