/** Requests sent in a loop by concurrent clients until stopped, for tests that change things under load. */
export interface Traffic<T> {
  /** Every answer so far, in the order they came back. */
  readonly answers: readonly T[];
  /** Resolves once `n` more answers have come back: a phase measured in answers, not in time. */
  more(n: number): Promise<void>;
  /** Stops sending; resolves with every answer once each client's last request is back. */
  stop(): Promise<readonly T[]>;
}

/**
 * Starts `clients` loops, each sending one request after another with `send(client, i)` until `stop()`.
 * A `send` that throws ends the run: `stop()` rejects with its error.
 *
 * @example
 * const traffic = startTraffic(4, async () => (await postJson(url, body)).status);
 * await traffic.more(10); // … swap a version …
 * await traffic.more(10);
 * expect((await traffic.stop()).filter((s) => s !== 200)).toEqual([]);
 */
export function startTraffic<T>(clients: number, send: (client: number, i: number) => Promise<T>): Traffic<T> {
  const answers: T[] = [];
  const waiting: Array<{ target: number; resolve: () => void }> = [];
  let stopped = false;
  const done = Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; !stopped; i++) {
        answers.push(await send(client, i));
        for (const w of waiting.filter((w) => answers.length >= w.target)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve();
        }
      }
    }),
  );
  done.catch(() => undefined); // reported by stop()
  return {
    answers,
    more: (n) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ target: answers.length + n, resolve });
        done.catch(reject);
      }),
    async stop() {
      stopped = true;
      await done;
      return answers;
    },
  };
}
