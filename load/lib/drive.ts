import { Agent } from 'node:http';
import type { FuzzCase } from '../../test/support/fuzz/case.ts';
import { send } from '../../test/support/fuzz/send.ts';

/** What happened to the requests of a closed-loop run. `lost` = reset or no answer after being sent. */
export interface Tally {
  sent: number;
  /** 200 with a correct answer. */
  ok: number;
  /** 200 with a wrong answer, or another status on a valid request (by status). */
  wrong: number;
  statuses: Record<string, number>;
  reset: number;
  timeout: number;
  /** Connection refused: never accepted (the server had stopped listening). */
  refused: number;
}

export const lost = (t: Tally) => t.reset + t.timeout;

/**
 * `connections` closed loops over kept-alive connections until `stop()` says so; each request made by
 * `make(i)` and its answer checked by the case's own `check`.
 */
export async function drive(o: {
  url: string;
  connections: number;
  stop(): boolean;
  make(i: number): FuzzCase;
  timeoutMs?: number;
  onAnswer?(i: number, status?: number): void;
}): Promise<Tally> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const base = new URL(o.url);
  const t: Tally = { sent: 0, ok: 0, wrong: 0, statuses: {}, reset: 0, timeout: 0, refused: 0 };
  let i = 0;
  await Promise.all(
    Array.from({ length: o.connections }, async () => {
      while (!o.stop()) {
        const c = o.make(i++);
        t.sent++;
        const r = await send(base, c, agent, o.timeoutMs ?? 30_000);
        o.onAnswer?.(i, r.status);
        const key = r.status !== undefined ? String(r.status) : r.error!;
        t.statuses[key] = (t.statuses[key] ?? 0) + 1;
        if (r.error === 'refused') t.refused++;
        else if (r.error === 'timeout') t.timeout++;
        else if (r.error) t.reset++;
        else if (r.status === 200) {
          if (c.check?.(200, r.body)) t.wrong++;
          else t.ok++;
        } else if (r.status !== 503 && r.status !== 429) t.wrong++;
        if (r.error === 'refused') await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
  agent.destroy();
  return t;
}

/** One line for a report: sent, answered 200 (correct), 503/429, other, reset, no answer, refused. */
export function describeTally(t: Tally): string {
  const refusedByServer = (t.statuses['503'] ?? 0) + (t.statuses['429'] ?? 0);
  return `${t.sent} sent, ${t.ok} answered 200 correctly, ${refusedByServer} answered 503/429, ${t.wrong} wrong or other status, ${t.reset} reset, ${t.timeout} no answer, ${t.refused} connection refused`;
}
