import { textClassifierRuntime } from '../text/classifier-runtime.ts';
import { modernLanguageCode } from '../text/language-codes.ts';

/**
 * Google's CLD3 (cld3-asm's WebAssembly build), ~107 languages with BCP-47 codes ('en', 'zh-Latn'; its legacy
 * 'iw' answered as 'he'). CLD3 scores its top languages only (probability × proportion of the text): they are
 * spread into the full label vector, the rest are 0. Its 'und' (no language found) is no label: all zeros.
 */
export const cld3Runtime = textClassifierRuntime('cld3', async () => {
  const { loadModule, LanguageCode } = (await import('cld3-asm')) as unknown as {
    loadModule(): Promise<{ create(min: number, max: number): CldIdentifier }>;
    LanguageCode: Record<string, string>;
  };
  const factory = await loadModule();
  const identifier = factory.create(0, 10_000);
  const labels = [...new Set(Object.values(LanguageCode).map(modernLanguageCode))].filter((l) => l !== 'und').sort();
  return {
    labels,
    classify: (text: string) =>
      identifier
        .findMostFrequentLanguages(text, 3)
        .filter((r) => r.language !== 'und')
        .map((r) => [modernLanguageCode(r.language), r.probability * r.proportion] as const),
    dispose: () => identifier.dispose(),
  };
});

interface CldIdentifier {
  findMostFrequentLanguages(
    text: string,
    n: number,
  ): Array<{ language: string; probability: number; proportion: number }>;
  dispose(): void;
}
