import type { ModelConfig } from './schema.ts';
import type { ModelEntry, VersionEntry } from './scan.ts';

/**
 * The output features for fine-tuning are taken from: a fine-tuned version's head feature (its
 * session still answers the base model's outputs), else the model config's `finetune.feature`, else
 * undefined (no default is guessed here).
 *
 * @example
 * featureOutput(scanModel(store, 'nsfw-mobilenet-v2')); // 'flatten_1'
 */
export function featureOutput(
  model: ModelEntry | ModelConfig,
  version?: Pick<VersionEntry, 'config'>,
): string | undefined {
  const config = 'versions' in model && 'config' in model ? (model as ModelEntry).config : (model as ModelConfig);
  return version?.config?.head?.feature ?? config.finetune?.feature;
}
