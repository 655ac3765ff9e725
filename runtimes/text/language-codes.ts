/**
 * ISO 639 codes withdrawn in 1989 (and Moldavian, 2008) that older language identifiers still answer, and
 * the codes BCP-47 uses for the same languages. CLD3 says 'iw' for Hebrew.
 */
export const LEGACY_LANGUAGE_CODES: Readonly<Record<string, string>> = {
  iw: 'he',
  in: 'id',
  ji: 'yi',
  jw: 'jv',
  mo: 'ro',
};

/**
 * A language code as BCP-47 writes it today (the primary subtag of a legacy code replaced, the rest kept).
 * @example modernLanguageCode('iw') // 'he'
 */
export function modernLanguageCode(code: string): string {
  const [primary, ...rest] = code.split('-');
  const modern = LEGACY_LANGUAGE_CODES[primary!.toLowerCase()];
  return modern ? [modern, ...rest].join('-') : code;
}
