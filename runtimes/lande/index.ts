import { textClassifierRuntime } from '../text/classifier-runtime.ts';

/**
 * lande: a small pure-JS network identifying 50 languages, labelled with ISO 639-3 codes ('fra', 'eng').
 * It carries its weights in its own code, so `spec.path` only names the package file.
 */
export const landeRuntime = textClassifierRuntime('lande', async () => {
  const lande = (await import('lande')).default as (text: string) => Array<[string, number]>;
  const labels = lande('language')
    .map(([l]) => l)
    .sort();
  return { labels, classify: (text: string) => lande(text) };
});
