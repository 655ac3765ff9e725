import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postJson, useGateway } from '../support/gateway.ts';
import { postStream, recording } from '../support/recording.ts';

const VADS = ['vad-silero-v5', 'vad-silero-v6', 'vad-silero-legacy'];
const WAV = { 'content-type': 'audio/wav' };
type Segment = { start_s: number; end_s: number };

/** Batches the scheduler ran for a model so far (the batch-size histogram's count). */
async function batches(url: string, model: string): Promise<number> {
  const m = await (await fetch(`${url}/metrics`)).text();
  return Number(
    new RegExp(`^massgate_inference_batch_size_count\\{model="${model}",version="1"\\} (\\d+)`, 'm').exec(m)?.[1] ?? 0,
  );
}

/** Each utterance found (a segment starting within 0.6 s of it), and no segment outside the utterances. */
function expectSpeechAt(segments: readonly Segment[], speech: ReadonlyArray<[number, number]>) {
  for (const [s] of speech)
    expect(
      segments.some((g) => Math.abs(g.start_s - s) < 0.6),
      `speech at ${s} s`,
    ).toBe(true);
  for (const g of segments)
    expect(
      speech.some(([s, e]) => g.start_s > s - 0.6 && g.end_s < e + 0.7),
      `segment ${JSON.stringify(g)}`,
    ).toBe(true);
}

/**
 * Checks the ensemble's segments against its members', instant by instant (every millisecond, between
 * boundaries): an instant is in a segment exactly when at least 2 of the 3 members say so.
 */
function expectMajority(merged: readonly Segment[], members: ReadonlyArray<readonly Segment[]>) {
  const covers = (segs: readonly Segment[], t: number) => segs.some((s) => s.start_s <= t && t < s.end_s);
  const end = Math.max(...members.flat().map((s) => s.end_s));
  let checked = 0;
  for (let t = 0.0005; t < end + 0.1; t += 0.001) {
    const votes = members.filter((m) => covers(m, t)).length;
    if (covers(merged, t) !== votes >= 2)
      throw new Error(`at ${t.toFixed(4)} s: ${votes} of 3 members, merged ${JSON.stringify(merged)}`);
    checked++;
  }
  expect(checked).toBeGreaterThan(1000);
}

describe('a recording streamed as the request body (Content-Type: audio/wav)', () => {
  const gw = useGateway({ LOAD_MODELS: [...VADS, 'vad-ensemble'].join(','), AUDIO_BODY_LIMIT_MB: '8' });
  const predict = (model: string, query = '') => `${gw.url}/v1/models/${model}:predict${query}`;

  it('a 3-minute 16 kHz recording, made as it is sent (chunked), is analysed 30 s at a time: every utterance found', async () => {
    const rec = recording({ seconds: 180, rate: 16_000, speechAt: [12, 61.3, 95, 149.8] });
    const before = await batches(gw.url, 'vad-silero-v5');
    const r = await postStream(predict('vad-silero-v5'), rec.parts(), WAV);
    expect(r.status, r.text).toBe(200);
    const p = JSON.parse(r.text).predictions[0];
    expect(p.duration_s).toBeCloseTo(180, 0);
    expect(p.speech).toBe(true);
    expectSpeechAt(p.segments, rec.speech);
    expect((await batches(gw.url, 'vad-silero-v5')) - before).toBe(6); // one worker round trip per 30 s chunk
  });

  it('gives exactly the answer the same WAV gets sent whole as JSON (44.1 kHz, cut at 7 s chunks: the state carried)', async () => {
    const rec = recording({ seconds: 50, rate: 44_100, speechAt: [4, 21.7, 40] });
    const whole = Buffer.concat([...rec.parts()]);
    const json = await postJson(predict('vad-silero-v5'), {
      instances: [whole.toString('base64')],
      parameters: { frames: true },
    });
    expect(json.status).toBe(200);
    const streamed = await postStream(predict('vad-silero-v5', '?frames=true&chunk_s=7'), rec.parts(4096), WAV);
    expect(streamed.status, streamed.text).toBe(200);
    expect(JSON.parse(streamed.text).predictions).toEqual(json.body.predictions);
    expectSpeechAt(json.body.predictions[0].segments, rec.speech);
  });

  it('with Accept: application/x-ndjson, tells each segment as soon as it is found (before the body is all sent), then the answer', async () => {
    const rec = recording({ seconds: 120, rate: 16_000, speechAt: [5, 70] });
    let heard!: () => void;
    const firstLine = new Promise<void>((resolve) => (heard = resolve));
    const r = await postStream(
      predict('vad-silero-legacy'),
      rec.parts(),
      { ...WAV, accept: 'application/x-ndjson' },
      {
        onLine: () => heard(),
        // The part that reaches 70 s waits until a line has come back: an answer only at the end would hang here.
        before: (i) => (i === 35 ? firstLine : undefined),
      },
    );
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = r.lines() as Array<{ segment?: Segment; predictions?: Array<{ segments: Segment[] }> }>;
    expect(lines.at(-1), r.text).toHaveProperty('predictions');
    const answer = lines.at(-1)!.predictions![0]!;
    expect(lines.slice(0, -1).map((l) => l.segment)).toEqual(answer.segments);
    expectSpeechAt(answer.segments, rec.speech);
  });

  it('the ensemble reads the stream once for its three members and merges their segments by majority per instant', async () => {
    // Chunks of 5 s, not the default 30 s: each member's deadline (the ensemble's 10 s memberTimeoutMs) is per
    // chunk, and three members analysing 30 s each on a busy 2-core host can take longer than that.
    const rec = recording({ seconds: 60, rate: 16_000, speechAt: [8, 33] });
    const r = await postStream(predict('vad-ensemble', '?members=true&chunk_s=5'), rec.parts(), WAV);
    expect(r.status, r.text).toBe(200);
    const p = JSON.parse(r.text).predictions[0];
    expect(p.label).toBe('speech');
    expect(p.answered).toHaveLength(3);
    expectSpeechAt(p.segments, rec.speech);
    expectMajority(
      p.segments,
      Object.values(p.members as Record<string, { segments: Segment[] }>).map((m) => m.segments),
    );
  });

  it('the ensemble answers merged segments for JSON instances too', async () => {
    const speech = readFileSync(new URL('../fixtures/audio/speech.wav', import.meta.url)).toString('base64');
    const r = await postJson(predict('vad-ensemble'), { instances: [speech], parameters: { members: true } });
    expect(r.status).toBe(200);
    const p = r.body.predictions[0];
    expect(p.segments.length).toBeGreaterThan(0);
    expect(p.segments[0].start_s).toBeLessThan(0.6);
    expectMajority(
      p.segments,
      Object.values(p.members as Record<string, { segments: Segment[] }>).map((m) => m.segments),
    );
  });

  const header = (o: { bits?: number; seconds?: number; rate?: number }) => {
    const rate = o.rate ?? 16_000;
    const b = Buffer.from(recording({ seconds: 1, rate, speechAt: [] }).parts().next().value!.subarray(0, 44));
    b.writeUInt16LE(o.bits ?? 16, 34);
    if (o.seconds !== undefined) b.writeUInt32LE(Math.round(o.seconds * rate) * 2, 40);
    return b;
  };
  it('a truncated WAV (declares 10 s, sends 3) → 400', async () => {
    const r = await postStream(predict('vad-silero-v5'), [header({ seconds: 10 }), Buffer.alloc(96_000)], WAV);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ error: expect.stringMatching(/truncated/), code: 'INVALID_AUDIO' });
  });

  it.each([
    ['text', 400, () => [Buffer.from('{"instances": ["aGVsbG8="]}')], /not a WAV file/],
    ['MP3 bytes', 415, () => [readFileSync(new URL('../fixtures/audio/not-wav.mp3', import.meta.url))], /MP3/],
    ['12-bit PCM', 400, () => [header({ bits: 12 }), Buffer.alloc(32_000)], /12-bit PCM/],
    [
      'a header that declares 5 hours',
      413,
      () => [header({ seconds: 5 * 3600 }), Buffer.alloc(64_000)],
      /limit is 14400 s/,
    ],
    ['a header cut before its data chunk', 400, () => [header({}).subarray(0, 30)], /invalid WAV/],
  ])('%s → %i from its header (NDJSON asked or not), and the gateway goes on', async (_, status, parts, message) => {
    for (const accept of ['application/json', 'application/x-ndjson']) {
      const r = await postStream(predict('vad-silero-v5'), parts(), { ...WAV, accept });
      expect(r.status).toBe(status);
      expect(JSON.parse(r.text)).toMatchObject({ error: expect.stringMatching(message), code: expect.any(String) });
    }
    expect((await fetch(`${gw.url}/v2/health/live`)).status).toBe(200);
  });

  it('with NDJSON, a body found bad once its header was accepted (and segments told) ends with an error line', async () => {
    const rec = recording({ seconds: 60, rate: 16_000, speechAt: [3] });
    const cut = [...rec.parts()].slice(0, 20); // 40 of the 60 s it declares
    let heard!: () => void;
    const firstLine = new Promise<void>((resolve) => (heard = resolve));
    const r = await postStream(
      predict('vad-silero-v5'),
      cut,
      { ...WAV, accept: 'application/x-ndjson' },
      { onLine: () => heard(), before: (i) => (i === 19 ? firstLine : undefined) }, // the end once a segment is told
    );
    expect(r.status).toBe(200);
    const lines = r.lines();
    expect(lines[0]).toHaveProperty('segment');
    expect(lines.at(-1)).toEqual({ error: expect.stringMatching(/truncated/), code: 'INVALID_AUDIO' });
  });

  it('413 past AUDIO_BODY_LIMIT_MB (8 here): from Content-Length before reading, and a chunked body once it passes', async () => {
    const rec = recording({ seconds: 300, rate: 16_000, speechAt: [] }); // 9.6 MB
    const before = await batches(gw.url, 'vad-silero-v5');
    const declared = await postStream(predict('vad-silero-v5'), rec.parts(), {
      ...WAV,
      'content-length': String(rec.bytes),
    });
    expect(declared.status).toBe(413);
    expect(await batches(gw.url, 'vad-silero-v5')).toBe(before); // refused before any audio was analysed
    const chunked = await postStream(predict('vad-silero-v5'), rec.parts(), WAV);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.text).error).toMatch(/exceeds 8388608 bytes/);
    const ok = await postStream(
      predict('vad-silero-v5'),
      recording({ seconds: 5, rate: 16_000, speechAt: [1] }).parts(),
      WAV,
    );
    expect(ok.status).toBe(200);
  });

  it('says in model metadata which bodies it takes as a stream; 415 where none is taken (the v2 route)', async () => {
    for (const model of ['vad-silero-v5', 'vad-ensemble']) {
      const meta = (await (await fetch(`${gw.url}/v2/models/${model}`)).json()) as {
        parameters: { stream_types: string[] };
      };
      expect(meta.parameters.stream_types).toContain('audio/wav');
    }
    const v2 = await postStream(`${gw.url}/v2/models/vad-silero-v5/infer`, [header({})], WAV);
    expect(v2.status).toBe(415);
  });
});
