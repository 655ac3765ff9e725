import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { withCompanions } from '../../gateway/models/start-up.ts';
import { listModels } from '../../model-store/scan.ts';
import { decodeWav } from '../../plugins/audio/wav.ts';
import { wav } from '../support/fuzz/media.ts';
import { useGateway } from '../support/gateway.ts';

const ROOT = new URL('../../', import.meta.url);
const README = readFileSync(new URL('README.md', ROOT), 'utf8');
const STORE = fileURLToPath(new URL('models/', ROOT));
/** A README shell block preceded by this comment is run by this test, as written. */
const MARKER = '<!-- readme-test';
/** The size past which `-d "$(base64 file)"` no longer fits in one command-line argument (128 KiB of base64). */
const ARG_LIMIT_FILE_BYTES = 96 * 1024;

/** The first ```sh block after each marker, as written. */
function markedBlocks(text: string): string[] {
  const blocks: string[] = [];
  for (let at = text.indexOf(MARKER); at >= 0; at = text.indexOf(MARKER, at + 1)) {
    const open = text.indexOf('```sh\n', at);
    const close = text.indexOf('\n```', open + 6);
    blocks.push(text.slice(open + 6, close + 1));
  }
  return blocks;
}

/**
 * The models the commands call, with what they need loaded as well (ensemble members, a plugin's companion models),
 * found as the gateway finds them for LOAD_MODELS.
 */
function modelsOf(commands: string): string[] {
  const called = [...commands.matchAll(/\/v[12]\/models\/([A-Za-z0-9_.-]+?)(?=[:/@\s'"]|$)/g)].map((m) => m[1]!);
  return withCompanions(STORE, [...new Set(called)], listModels(STORE));
}

const blocks = markedBlocks(README);
const commands = blocks.join('\n');

/** Runs a bash script in `cwd`; resolves with its exit code and output whatever the code. */
function bash(script: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Before the block: stop at the first failure, and let every curl write its answer's status and body to a file of its
 * own (curl inside a pipeline runs in a subshell: no shared counter).
 */
const PRELUDE = `set -euo pipefail
curl() { local f; f=$(mktemp "$PWD/answers/XXXXXX"); command curl --silent --show-error -o "$f.body" -w '%{http_code}' "$@" > "$f.status"; }
mkdir -p answers
`;

describe("the README's marked shell blocks, run as written with bash and curl against real files", () => {
  const gw = useGateway({ LOAD_MODELS: modelsOf(commands).join(',') });
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'massgate-readme-'));
    // A photo too large for `-d "$(base64 …)"`: a real one (test/fixtures/images/chelsea.jpg), enlarged.
    const photo = await sharp(readFileSync(new URL('test/fixtures/images/chelsea.jpg', ROOT)))
      .resize(1600)
      .jpeg({ quality: 92 })
      .toBuffer();
    writeFileSync(join(dir, 'photo.jpg'), photo);
    // Speech over 3 s: the spoken fixture twice, with half a second of silence between, 16-bit.
    const speech = decodeWav(readFileSync(new URL('test/fixtures/audio/speech.wav', ROOT)));
    const gap = new Float32Array(Math.round(speech.sampleRate / 2));
    const samples = Int16Array.from([...speech.samples, ...gap, ...speech.samples], (v) => Math.round(v * 32767));
    writeFileSync(join(dir, 'speech.wav'), wav({ rate: speech.sampleRate, channels: 1, bits: 16, samples }));
    writeFileSync(join(dir, 'scan.png'), readFileSync(new URL('test/fixtures/ocr/page.png', ROOT)));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the marked blocks, and their files are as large as the README says', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(modelsOf(commands)).toEqual(
      expect.arrayContaining(['nsfw-mobilenet-v2', 'vad-silero-v5', 'ocr', 'ocr-rec']),
    );
    expect(readFileSync(join(dir, 'photo.jpg')).length).toBeGreaterThan(ARG_LIMIT_FILE_BYTES);
    const speech = decodeWav(readFileSync(join(dir, 'speech.wav')));
    expect(speech.samples.length / speech.sampleRate).toBeGreaterThan(3);
    expect(readFileSync(join(dir, 'speech.wav')).length).toBeGreaterThan(ARG_LIMIT_FILE_BYTES);
  });

  it.each(blocks.map((b, i) => [i + 1, b] as const))('block %i answers 2xx with JSON predictions', async (_, block) => {
    const port = new URL(gw.url).port;
    const script = PRELUDE + block.replaceAll('localhost:8080', `127.0.0.1:${port}`);
    const run = await bash(script, dir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const answers = readdirSync(join(dir, 'answers')).filter((f) => f.endsWith('.status'));
    // Every curl the block runs answered (a command line holding "curl" once).
    expect(answers.length).toBe(block.split('\n').filter((l) => /(^|\|\s*)curl\s/.test(l)).length);
    for (const f of answers) {
      const status = readFileSync(join(dir, 'answers', f), 'utf8');
      const body = readFileSync(join(dir, 'answers', f.replace(/\.status$/, '.body')), 'utf8');
      expect(status, body).toMatch(/^2\d\d$/);
      const json = JSON.parse(body);
      expect(json.error).toBeUndefined();
      expect(Array.isArray(json.predictions) || Array.isArray(json.outputs), body).toBe(true);
      expect((json.predictions ?? json.outputs).length).toBeGreaterThan(0);
    }
    rmSync(join(dir, 'answers'), { recursive: true });
  });

  it('the form the README warns against does fail for these files: one argument cannot hold their base64', async () => {
    const port = new URL(gw.url).port;
    const run = await bash(
      `curl -s 127.0.0.1:${port}/v1/models/nsfw-mobilenet-v2:predict -d "{\\"instances\\": [\\"$(base64 -w0 photo.jpg)\\"]}"`,
      dir,
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('Argument list too long');
  });
});
