// Text from outside, made visible: no DOM here, so the CLI-side property tests can run it in Node too.

/**
 * Control characters, every invisible format character (bidi marks, overrides and isolates, zero-width
 * characters, soft hyphens, interlinear annotations, Unicode tags), the line and paragraph separators, and the
 * characters that show nothing although Unicode files them as letters or marks: the combining grapheme joiner, the
 * Khmer inherent vowels and the Hangul (and halfwidth Hangul) fillers. The same set the CLI escapes
 * (cli/core/safe-text.ts), so `+1415ㅤ5550100` does not pass for `+14155550100` in either.
 */
// The three marks stand alone, not in the class: a class holding a combining mark reads as a misleading one.
const HIDDEN = /(?:[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]|\u034F|\u17B4|\u17B5)/gu;
/** Combining marks at the start of a value have no base of their own: they would sit on the text before it. */
const BASELESS = /^\p{M}+/u;
/** Combining marks beyond the first few on one character: stacked, they paint over the lines around them. */
const STACKED = /(\p{M}{4})(\p{M}+)/gu;

/**
 * An emoji as an emoji: a pictograph shown as one by default (with its optional presentation selector or skin
 * tone), or one shown as text by default (ℹ, ™, ♂) with the emoji presentation selector. A text pictograph without
 * it is no part of an emoji sequence: a joiner beside it only hides a difference.
 */
const EMOJI =
  '(?:(?=\\p{Emoji_Presentation})\\p{Extended_Pictographic}[\\u{FE0F}\\u{1F3FB}-\\u{1F3FF}]?|\\p{Extended_Pictographic}\\u{FE0F})';
/**
 * What is shown as it is although it holds a format character: a well-formed emoji ZWJ sequence (👩‍💻, 👨‍👩‍👧,
 * 🏳️‍🌈: each joiner between two emoji), and the three subdivision flags Unicode recommends (England, Scotland,
 * Wales), whose tag characters spell only their region (any other tag run could hide a sentence).
 */
const WELL_FORMED = new RegExp(
  `(${EMOJI}(?:\\u{200D}${EMOJI})+|\\u{1F3F4}\\u{E0067}\\u{E0062}(?:\\u{E0065}\\u{E006E}\\u{E0067}|\\u{E0073}\\u{E0063}\\u{E0074}|\\u{E0077}\\u{E006C}\\u{E0073})\\u{E007F})|${HIDDEN.source}`,
  'gu',
);
/**
 * A virama (the Brahmic scripts' vowel killer): a joiner or non-joiner after it picks a conjunct's form (क्‍ष,
 * क्‌ष), as Unicode's own rule for joiners in identifiers (IDNA's CONTEXTJ) allows. JavaScript has no property for
 * the combining class, so these are the viramas of the scripts in everyday use.
 */
const VIRAMA =
  /[\u094D\u09CD\u0A4D\u0ACD\u0B4D\u0BCD\u0C4D\u0CCD\u0D4D\u0DCA\u0E3A\u0F84\u1039\u103A\u17D2\u1B44\uA8C4\uA9C0]$/u;
/** The scripts of those viramas: a joiner after one picks a conjunct only before a letter of the same script. */
const VIRAMA_SCRIPTS = [
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Balinese',
  'Saurashtra',
  'Javanese',
].map((script) => new RegExp(`^\\p{Script=${script}}$`, 'u'));
const sameScriptLetter = (virama: string, next: string): boolean =>
  /^\p{L}$/u.test(next) && VIRAMA_SCRIPTS.some((script) => script.test(virama) && script.test(next));
/** Letters of the scripts whose letters join (Arabic, Persian, Urdu, Syriac, N’Ko, Mongolian…). */
const JOINING =
  /^[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u;
const JOINING_BEFORE =
  /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]\p{M}*$/u;

/**
 * Whether a joiner or non-joiner at `at` does a word's work: after a virama, or (the non-joiner) between two letters
 * of a joining script, as in Persian names (می‌خواهم). Anywhere else (at either end, between Latin letters, next to a
 * space) it only hides a difference between two values that look the same, and is shown.
 */
const joinsWord = (char: string, at: number, text: string): boolean => {
  if (char !== '\u200D' && char !== '\u200C') return false;
  const before = text.slice(Math.max(0, at - 8), at);
  const after = text.slice(at + 1, at + 3);
  if (VIRAMA.test(before)) return sameScriptLetter(before.slice(-1), [...after][0] ?? '');
  return char === '\u200C' && JOINING_BEFORE.test(before) && JOINING.test(after);
};

/** One character as the CLI writes it: `\x1b` up to U+00FF, `\u200b` in the BMP, `\u{e0041}` beyond. */
const escapeOne = (char: string): string => {
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
};

/**
 * `text` with every control or invisible character, and any combining mark it starts with, written as an escape
 * the way the CLI writes it (`\x1b`, `\u200b`, `\u{e0041}`), and mark stacks cut short; a well-formed emoji
 * sequence, and a joiner doing a word's work, stay as they are.
 */
export const visible = (text: unknown): string =>
  String(text ?? '')
    .replace(BASELESS, (marks) => Array.from(marks, escapeOne).join(''))
    .replace(WELL_FORMED, (match: string, wellFormed: string | undefined, at: number, whole: string) =>
      wellFormed || joinsWord(match, at, whole) ? match : escapeOne(match),
    )
    .replace(STACKED, (_, kept: string, extra: string) => `${kept}[+${[...extra].length} marks]`);

/** A run of decimal digits of one script ends where the next character is not a digit. */
const DIGIT = /\p{Nd}/u;
/** A thousands separator between digits: comma, dot, apostrophe, space, no-break spaces, Arabic comma. */
const GROUPING = /(?<=\p{Nd})[,.'\u2019 \u00a0\u202f\u066c](?=\p{Nd}{3}(?:\P{Nd}|$))/gu;

/**
 * A number as the operator typed it, in ASCII digits: any script's decimal digits (Arabic-Indic `٣`, Devanagari
 * `३`, full-width `３`) and thousands separators (`1,000`, `1.000`, `1 000`) read as a keyboard in their locale
 * writes them. Anything else is left as typed, so it still fails to match.
 */
export const asciiDigits = (typed: string): string =>
  typed
    .trim()
    .replace(GROUPING, '')
    .replace(/\p{Nd}/gu, (digit) => {
      // Unicode puts each script's digits 0 to 9 in a row: the value is the distance from the run's start.
      const code = digit.codePointAt(0) ?? 0;
      let start = code;
      while (DIGIT.test(String.fromCodePoint(start - 1))) start--;
      return String((code - start) % 10);
    });
