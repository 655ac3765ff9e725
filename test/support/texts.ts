import { seededRandom } from '../../core/random.ts';

/** Common words of eight languages (ISO 639-1 codes, as the language-ID ensemble answers). */
export const WORDS: Record<string, string[]> = {
  en: 'the of and to in is that for it with was on are as be at by this have from or one had not but what all were when we there can your which their said if will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know'.split(
    ' ',
  ),
  fr: 'le de un être et à il avoir ne je son que se qui ce dans en du elle au pour pas vous par sur faire plus dire me on mon lui nous comme mais pouvoir avec tout y aller voir en bien où sans tu ou leur homme si deux mari moi vouloir te femme venir quand grand celui notre devoir là jour prendre même votre rien petit encore aussi quelque dont tout'.split(
    ' ',
  ),
  de: 'der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei geht ihr schon wenn jetzt immer unter gegen dann'.split(
    ' ',
  ),
  es: 'el la de que y a en un ser se no haber por con su para como estar tener le lo todo pero más hacer o poder decir este ir otro ese si me ya ver porque dar cuando él muy sin vez mucho saber qué sobre mi alguno mismo yo también hasta año dos querer entre así primero desde grande eso ni nos llegar pasar tiempo ella'.split(
    ' ',
  ),
  it: 'il di che e la per un in è essere non una sono ha lo si con mi da anche ma ci come io questo qui bene sei tu hai del cosa tutto fare ho le se più mio sua perché quando molto adesso dove grazie vuoi chi suo dopo sempre allora niente casa cui fatto tempo ancora oggi'.split(
    ' ',
  ),
  pt: 'o de a e que do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo aos ter seus quem nas me esse eles estão você tinha foram essa num nem suas meu'.split(
    ' ',
  ),
  nl: 'de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer doen'.split(
    ' ',
  ),
  sv: 'och i att det som en på är av för med till den har de inte om ett han men var jag sig från vi så kan man när år säger hon under också efter eller nu sin där vid mot ska skulle kommer ut får finns vara hade alla andra mycket än här då sedan över bara in blir upp även vad få två vill ha många hur mer'.split(
    ' ',
  ),
};

/**
 * Sentences of 6 to 12 words drawn from one language's common words: `perLanguage` of each language,
 * with their language code. Seeded.
 *
 * @example languageTexts(20, 1)[0]; // { text: 'the water of …', language: 'en' }
 */
export function languageTexts(perLanguage: number, seed: number): Array<{ text: string; language: string }> {
  const r = seededRandom(seed);
  const out: Array<{ text: string; language: string }> = [];
  for (let i = 0; i < perLanguage; i++) {
    for (const [language, words] of Object.entries(WORDS)) {
      const n = 6 + Math.floor(r() * 7);
      const text = Array.from({ length: n }, () => words[Math.floor(r() * words.length)]!).join(' ');
      out.push({ text: text[0]!.toUpperCase() + text.slice(1), language });
    }
  }
  return out;
}
