import { Agent } from 'node:http';
import type { FuzzCase } from './case.ts';
import { send, type Outcome } from './send.ts';

/** The gateway under fuzz. `restart` (optional) brings a crashed one back so the run can go on. */
export interface FuzzTarget {
  url: string;
  alive(): boolean;
  exited(): Promise<void>;
  restart?(): Promise<void>;
  rss?(): number;
}

export interface CategoryStats {
  sent: number;
  statuses: Record<string, number>;
  /** Answers ≥ 500 that the case does not allow. */
  serverErrors: number;
  resets: number;
  timeouts: number;
  /** Requests that killed the process (replayed alone to be sure). */
  crashes: number;
  /** Answers carrying a stack trace or an absolute path of the server. */
  leaks: number;
  /** Valid requests answered wrongly (or not 200). */
  wrong: number;
  /** Client-side time: total and slowest, ms. */
  totalMs: number;
  maxMs: number;
}

export interface Finding {
  kind:
    | 'server-error'
    | 'unexpected-status'
    | 'reset'
    | 'timeout'
    | 'crash'
    | 'leak'
    | 'wrong-answer'
    | 'readiness-lost'
    | 'other';
  category: string;
  label: string;
  detail: string;
}

export interface FuzzResult {
  sent: number;
  durationMs: number;
  statuses: Record<string, number>;
  categories: Record<string, CategoryStats>;
  /** Distinct findings (by kind, category and label), with how often each happened. */
  findings: Array<Finding & { count: number }>;
  valid: { sent: number; correct: number };
  readiness: { checks: number; notReady: number; firstLostAt?: number };
  rss: { startMB: number; endMB: number; maxMB: number; samples: Array<[number, number]> };
  restarts: number;
}

export interface RunOptions {
  concurrency: number;
  timeoutMs: number;
  /** Readiness is checked every this many requests. */
  readyEvery?: number;
  /** Strings that must never appear in an answer (the store path, the source root). */
  secrets?: readonly string[];
  /** Sample the target's RSS this often (ms). */
  sampleMs?: number;
  onProgress?(sent: number): void;
}

const STACK = /\n\s+at .+[(:]\d+/;
const MB = 1024 * 1024;

/**
 * Sends every case with bounded concurrency and classifies each answer. A request after which the
 * process is gone is a crash suspect: when the target can restart, the suspects are replayed one by
 * one on a fresh process, a confirmed killer is recorded and its label is not sent again.
 */
export async function runFuzz(target: FuzzTarget, cases: Iterable<FuzzCase>, o: RunOptions): Promise<FuzzResult> {
  const base = new URL(target.url);
  let agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const categories: Record<string, CategoryStats> = {};
  const statuses: Record<string, number> = {};
  const findings = new Map<string, Finding & { count: number }>();
  const quarantined = new Set<string>();
  const valid = { sent: 0, correct: 0 };
  const readiness: FuzzResult['readiness'] = { checks: 0, notReady: 0 };
  const samples: Array<[number, number]> = [];
  const t0 = performance.now();
  const rssMB = () => (target.rss?.() ?? NaN) / MB;
  const startMB = rssMB();
  const sampler = setInterval(() => {
    const mb = rssMB();
    if (Number.isFinite(mb)) samples.push([Math.round(performance.now() - t0), Math.round(mb)]);
  }, o.sampleMs ?? 1000);
  let sent = 0;
  let restarts = 0;
  let recovering: Promise<void> | undefined;
  let suspects: FuzzCase[] = [];

  const stats = (c: string) =>
    (categories[c] ??= {
      sent: 0,
      statuses: {},
      serverErrors: 0,
      resets: 0,
      timeouts: 0,
      crashes: 0,
      leaks: 0,
      wrong: 0,
      totalMs: 0,
      maxMs: 0,
    });
  const find = (f: Finding) => {
    const key = `${f.kind}|${f.category}|${f.label}`;
    const had = findings.get(key);
    if (had) had.count++;
    else findings.set(key, { ...f, detail: f.detail.slice(0, 300), count: 1 });
  };
  const gone = async () => {
    if (!target.alive()) return true;
    await Promise.race([target.exited(), new Promise((r) => setTimeout(r, 300))]);
    return !target.alive();
  };

  const record = (c: FuzzCase, r: Outcome) => {
    const s = stats(c.category);
    s.sent++;
    s.totalMs += r.ms;
    s.maxMs = Math.max(s.maxMs, Math.round(r.ms));
    const key = r.status !== undefined ? String(r.status) : r.error!;
    s.statuses[key] = (s.statuses[key] ?? 0) + 1;
    statuses[key] = (statuses[key] ?? 0) + 1;
    const text = r.body.toString('utf8');
    if (r.status !== undefined && r.status >= 500 && !c.allow5xx?.includes(r.status)) {
      s.serverErrors++;
      find({ kind: 'server-error', category: c.category, label: c.label, detail: `${r.status} ${text}` });
    }
    if (c.expect && r.status !== undefined && !c.expect.includes(r.status)) {
      find({
        kind: 'unexpected-status',
        category: c.category,
        label: c.label,
        detail: `${r.status} (expected ${c.expect.join(' or ')}) ${text}`,
      });
    }
    if (r.error === 'reset' || r.error === 'refused') {
      s.resets++;
      find({ kind: 'reset', category: c.category, label: c.label, detail: r.error });
    } else if (r.error === 'timeout') {
      s.timeouts++;
      find({ kind: 'timeout', category: c.category, label: c.label, detail: `no answer in ${o.timeoutMs} ms` });
    } else if (r.error) find({ kind: 'other', category: c.category, label: c.label, detail: r.error });
    if (STACK.test(text) || o.secrets?.some((x) => text.includes(x))) {
      s.leaks++;
      find({ kind: 'leak', category: c.category, label: c.label, detail: text });
    }
    if (c.valid) {
      valid.sent++;
      const why = r.status === undefined ? r.error : c.check?.(r.status, r.body);
      if (why) {
        s.wrong++;
        find({ kind: 'wrong-answer', category: c.category, label: c.label, detail: why });
      } else valid.correct++;
    }
  };

  /** Replays the suspects of a crash one at a time on fresh processes; records the killers. */
  const recover = async () => {
    while (suspects.length) await replay();
  };
  const replay = async () => {
    const list = suspects;
    suspects = [];
    agent.destroy();
    agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
    await target.restart!();
    restarts++;
    for (const c of list) {
      const r = await send(base, c, agent, o.timeoutMs);
      if (await gone()) {
        const s = stats(c.category);
        s.sent++;
        s.crashes++;
        quarantined.add(`${c.category}|${c.label}`);
        find({ kind: 'crash', category: c.category, label: c.label, detail: 'the process exited' });
        agent.destroy();
        agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
        await target.restart!();
        restarts++;
      } else record(c, r);
    }
  };

  const checkReady = async () => {
    const r = await send(
      base,
      { category: 'health', label: 'ready', method: 'GET', path: '/v2/health/ready' },
      agent,
      o.timeoutMs,
    );
    readiness.checks++;
    if (r.status !== 200) {
      readiness.notReady++;
      readiness.firstLostAt ??= sent;
    }
  };

  const it = cases[Symbol.iterator]();
  const worker = async () => {
    for (;;) {
      if (recovering) await recovering;
      const next = it.next();
      if (next.done) return;
      const c = next.value;
      if (quarantined.has(`${c.category}|${c.label}`)) continue;
      const n = ++sent;
      if (o.readyEvery && n % o.readyEvery === 0) await checkReady();
      const r = await send(base, c, agent, o.timeoutMs);
      if ((r.error === 'reset' || r.error === 'refused') && (await gone())) {
        suspects.push(c);
        if (!target.restart) throw new Error(`the gateway exited (last request: ${c.category} ${c.label})`);
        recovering ??= recover().finally(() => (recovering = undefined));
        continue;
      }
      record(c, r);
      if (n % 500 === 0) o.onProgress?.(n);
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    if (recovering) await recovering;
    await checkReady();
  } finally {
    clearInterval(sampler);
    agent.destroy();
  }
  const endMB = rssMB();
  return {
    sent,
    durationMs: performance.now() - t0,
    statuses,
    categories,
    findings: [...findings.values()].sort(
      (a, b) => a.kind.localeCompare(b.kind) || a.category.localeCompare(b.category),
    ),
    valid,
    readiness,
    restarts,
    rss: {
      startMB: Math.round(startMB),
      endMB: Math.round(endMB),
      maxMB: Math.round(Math.max(...[startMB, endMB, ...samples.map((s) => s[1])].filter(Number.isFinite))),
      samples,
    },
  };
}
