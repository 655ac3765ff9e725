import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pinDefault, type DeployDeps } from './deploy.ts';
import { publishModel, publishVersion, type ModelPublication, type Publication } from './publish.ts';

/**
 * Publishes a trained candidate as the next version of `model` (atomically, publish.ts) and loads it: the
 * version serving now is pinned `stable` first, so loading the new one changes nothing until a deploy says
 * so; a version that cannot load is removed from the store again and the error thrown.
 *
 * @example const { version, previousDefault } = await publishAndLoad(deps, 'nsfw-mobilenet-v2', { modelDir, … });
 */
export async function publishAndLoad(
  deps: DeployDeps,
  model: string,
  publication: Publication,
): Promise<{ version: number; previousDefault: number }> {
  const previousDefault = await pinDefault(deps, model);
  const version = publishVersion(publication);
  try {
    await deps.repository.load(model);
  } catch (e) {
    rmSync(join(publication.modelDir, String(version)), { recursive: true, force: true });
    throw e;
  }
  return { version, previousDefault };
}

/**
 * Publishes a trained candidate as a new model of the store (publish.ts `publishModel`: config.json and
 * version 1, atomically) and loads it; a model that cannot load is removed from the store again and the
 * error thrown.
 */
export async function publishModelAndLoad(deps: DeployDeps, publication: ModelPublication): Promise<void> {
  const dir = publishModel(publication);
  try {
    await deps.repository.load(publication.name);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
