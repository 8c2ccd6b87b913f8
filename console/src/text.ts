// Text from outside, made visible: no DOM here, so the CLI-side property tests can run it in Node too.

/**
 * Control characters, every invisible format character (bidi marks, overrides and isolates, zero-width
 * characters, soft hyphens, interlinear annotations, Unicode tags), and the line and paragraph separators.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** Combining marks beyond the first few on one character: stacked, they paint over the lines around them. */
const STACKED = /(\p{M}{4})(\p{M}+)/gu;

/** `text` with every control or invisible formatting character written as `\u{…}`, and mark stacks cut short. */
export const visible = (text: unknown): string =>
  String(text ?? '')
    .replace(HIDDEN, (char) => `\\u{${char.codePointAt(0)?.toString(16)}}`)
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
