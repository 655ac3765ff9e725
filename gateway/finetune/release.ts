import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pinDefault, type DeployDeps } from './deploy.ts';
import { publishVersion, type Publication } from './publish.ts';

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
