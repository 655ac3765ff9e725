import { connect, type Socket } from 'node:net';
import { startChildGateway } from '../../../test/support/fuzz/child.ts';
import { fuzzStore } from '../../../test/support/fuzz/store.ts';
import { describeTally, drive, lost, type Tally } from '../../lib/drive.ts';
import { scaleRequests } from '../../lib/valid.ts';

interface SlowTally {
  opened: number;
  answered: Record<string, number>;
  /** Closed by the server without an answer, or still silent at the end. */
  noAnswer: number;
}

/**
 * A client that sends its headers, then its body one byte every `everyMs`; resolves with the status line it got, or why
 * not.
 */
function trickle(port: number, body: string, everyMs: number, stopAt: number): Promise<string> {
  return new Promise((resolve) => {
    const sock: Socket = connect(port, '127.0.0.1');
    let got = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (why: string) => {
      clearInterval(timer);
      sock.destroy();
      resolve(why);
    };
    sock.on('connect', () => {
      sock.write(
        `POST /v2/models/scale/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      timer = setInterval(() => {
        if (sock.destroyed) return;
        // At the end of the run, the rest of the body goes at once: an accepted request then deserves an answer.
        const n = Date.now() > stopAt ? body.length - sent : 1;
        sock.write(body.slice(sent, sent + n));
        sent += n;
        if (sent >= body.length) clearInterval(timer);
      }, everyMs);
    });
    sock.on('data', (d) => {
      got += d.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m && got.includes('\r\n\r\n')) done(m[1]!);
    });
    sock.on('error', () => done(got ? 'partial' : 'reset'));
    sock.on('close', () => done(got ? 'partial' : 'closed without answer'));
    setTimeout(() => done('no answer'), stopAt - Date.now() + 15_000);
  });
}

/** 200 clients trickling their bodies (1 byte / 500 ms) while 16 connections send normal requests. */
export async function slowClients(
  durationS: number,
): Promise<{ label: string; tally: Tally; note: string; slow: SlowTally }> {
  const gw = await startChildGateway({ MODEL_STORE: fuzzStore(), LOAD_MODELS: 'scale' });
  try {
    const port = Number(new URL(gw.url).port);
    const until = Date.now() + durationS * 1000;
    const body = JSON.stringify({
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] },
        { name: 'ids', datatype: 'INT64', shape: [1, 2], data: [1, 2] },
      ],
    });
    const slow = Array.from({ length: 200 }, () => trickle(port, body, 500, until));
    const tally = await drive({
      url: gw.url,
      connections: 16,
      stop: () => Date.now() > until,
      make: await scaleRequests(9),
    });
    const outcomes = await Promise.all(slow);
    const answered: Record<string, number> = {};
    for (const o of outcomes) answered[o] = (answered[o] ?? 0) + 1;
    const s: SlowTally = { opened: 200, answered, noAnswer: outcomes.filter((o) => !/^\d{3}$/.test(o)).length };
    return {
      label: '200 slow clients + normal load',
      tally,
      slow: s,
      note: `normal: ${describeTally(tally)}; lost ${lost(tally)}. slow clients: ${JSON.stringify(answered)} (${s.noAnswer} without an answer)`,
    };
  } finally {
    await gw.stop();
  }
}
