/**
 * Runs shadow copies in the background, at most `limit` at once: a copy offered while `limit` are in
 * flight is dropped (and counted by the caller), so shadows never queue up behind a slow model and
 * never hold the client's answer. Nothing a task throws escapes.
 */
export class ShadowQueue {
  private inflight = 0;
  dropped = 0;

  constructor(readonly limit: number) {}

  /** Starts `task` on the next turn of the event loop unless the queue is full; false when dropped. */
  offer(task: () => Promise<void>): boolean {
    if (this.inflight >= this.limit) {
      this.dropped += 1;
      return false;
    }
    this.inflight += 1;
    setImmediate(() => {
      task()
        .catch(() => undefined)
        .finally(() => {
          this.inflight -= 1;
        });
    });
    return true;
  }

  /** Copies in flight now. */
  get size(): number {
    return this.inflight;
  }
}
