/** The bytes of JSON's syntax, for the scans that read request bodies without parsing them (UTF-8 = ASCII here). */
export const OPEN_ARRAY = 0x5b,
  CLOSE_ARRAY = 0x5d,
  OPEN_OBJECT = 0x7b,
  CLOSE_OBJECT = 0x7d,
  QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COLON = 0x3a,
  COMMA = 0x2c,
  SPACE = 0x20,
  TAB = 0x09,
  LF = 0x0a,
  CR = 0x0d,
  MINUS = 0x2d,
  PLUS = 0x2b,
  DOT = 0x2e,
  ZERO = 0x30,
  NINE = 0x39,
  LOWER_E = 0x65,
  UPPER_E = 0x45;

/** JSON's whitespace: space, tab, line feed, carriage return. */
export const isSpace = (b: number): boolean => b === SPACE || b === LF || b === CR || b === TAB;
