import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../core/errors.ts';
import { setLogLevel } from '../../core/log.ts';
import { errorBody } from './status.ts';
import { addScrubRoot, scrubPaths } from './scrub.ts';

setLogLevel('silent');

describe('errorBody', () => {
  it("answers errors that are the server's fault with a generic message and their code, never the detail", () => {
    const failed = errorBody(
      new GatewayError(
        'INFERENCE_FAILED',
        `onnxruntime: Load model from ${join(process.cwd(), 'x.onnx')} failed: secret`,
      ),
    );
    expect(failed.status).toBe(500);
    expect(failed.body.code).toBe('INFERENCE_FAILED');
    expect(failed.body.error).not.toMatch(/onnxruntime|secret|x\.onnx/);
    const plugin = errorBody(new GatewayError('PLUGIN_INVALID', 'plugin source /opt/plugins/evil failed'));
    expect(plugin.body.error).not.toContain('/opt');
    const unknown = errorBody(
      new TypeError("Cannot read properties of undefined (reading 'x') at /srv/app/gateway/app.ts:1"),
    );
    expect(unknown).toEqual({
      status: 500,
      body: { error: expect.stringContaining('internal error'), code: 'INTERNAL' },
    });
  });

  it('keeps 4xx and 503 messages, with absolute server paths scrubbed', () => {
    const store = join(tmpdir(), 'status-test-store');
    addScrubRoot(store, '<model-store>');
    const load = errorBody(
      new GatewayError(
        'MODEL_LOAD_FAILED',
        `model 'm': no execution provider could load ${store}/m/1/model.onnx (cpu: Protobuf parsing failed.)`,
      ),
    );
    expect(load.status).toBe(400);
    expect(load.body.error).toBe(
      "model 'm': no execution provider could load <model-store>/m/1/model.onnx (cpu: Protobuf parsing failed.)",
    );
    const notReady = errorBody(new GatewayError('MODEL_NOT_READY', 'model worker exited', { retryAfterS: 2 }));
    expect(notReady).toMatchObject({
      status: 503,
      body: { error: 'model worker exited', code: 'MODEL_NOT_READY' },
      retryAfterS: 2,
    });
    expect(errorBody(new GatewayError('INVALID_INPUT', 'bad shape')).body.error).toBe('bad shape');
  });
});

describe('scrubPaths', () => {
  it("replaces the server's own folders by labels and other absolute paths by <path>", () => {
    expect(scrubPaths(`at ${join(process.cwd(), 'gateway', 'app.ts')}:3`)).not.toContain(process.cwd());
    expect(scrubPaths(`cannot open ${join(tmpdir(), 'a b.onnx')}`)).not.toContain(tmpdir());
    expect(scrubPaths("ENOENT: no such file or directory, open '/var/lib/models/m/config.json'")).toBe(
      "ENOENT: no such file or directory, open '<path>'",
    );
    expect(scrubPaths('file:///home/u/m.onnx and C:\\models\\m.onnx')).toBe('<path> and <path>');
  });

  it('hides where node_modules really lives', async () => {
    const { realpathSync } = await import('node:fs');
    const real = realpathSync(join(process.cwd(), 'node_modules'));
    expect(scrubPaths(`Failed to load library ${real}/onnxruntime-node/bin/x.so`)).toBe(
      'Failed to load library <node_modules>/onnxruntime-node/bin/x.so',
    );
  });

  it('leaves API paths and relative paths alone', () => {
    const message =
      'no such endpoint: POST /v1/models/x (use /v1/models/{name}:predict); send tensors to /v2/models/m/infer; see models/m/config.json';
    expect(scrubPaths(message)).toBe(message);
  });
});
