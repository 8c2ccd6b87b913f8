/**
 * Text from outside (SignalWire's answers, audit records, error messages, the command line itself) is data,
 * never terminal control: every control character (C0, DEL, C1), every bidirectional override or isolate and
 * every invisible character (below) is shown as a visible escape (`\x1b`, `\u202e`, `\u200b`), so a caller name
 * cannot clear the screen, retitle the window, reorder a preview row, pass for another number or push a column.
 */
/**
 * Characters that show nothing, or that terminals draw at a width other than the one the table counts: soft
 * hyphen, combining grapheme joiner, Hangul (and halfwidth Hangul) and Mongolian fillers, zero-width space, line and paragraph
 * separators, word joiner and the invisible operators, the deprecated format controls, byte-order mark,
 * interlinear annotations, and the shorthand and musical format controls. In a caller's number they would make it look like another one (`+1415\u200b5550100` is
 * not `+14155550100`, which `--from` would match) or push a column out of line.
 */
const INVISIBLE =
  '\\u00ad\\u034f\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b\\u2028\\u2029\\u2060-\\u2064\\u206a-\\u206f\\u3164\\ufeff\\uffa0\\ufff9-\\ufffb\\u{1bca0}-\\u{1bca3}\\u{1d173}-\\u{1d17a}';
/**
 * The joiners (ZWNJ, ZWJ) and the tag characters are text only inside a word or an emoji: a ZWJ sequence (a family,
 * a profession), Persian or Indic letters, a subdivision flag (the black flag and its tags). Anywhere else, in a
 * number above all, they are as invisible as the rest, and escaped. Indic text puts a joiner before a sign (Bengali
 * ra, ZWJ, virama, ya: `র‍্য`) and after a letter's virama at the end of a word (Malayalam's older chillu, `ന്‍`).
 */
const STRAY_JOINER =
  '(?<![\\p{L}\\p{M}\\p{Extended_Pictographic}\\u{fe0f}\\u{1f3fb}-\\u{1f3ff}])[\\u200c\\u200d]|(?<!\\p{L}\\p{M}+)[\\u200c\\u200d](?![\\p{L}\\p{M}\\p{Extended_Pictographic}])';
const STRAY_TAG = '(?<!\\u{1f3f4}[\\u{e0020}-\\u{e007e}]*)[\\u{e0000}-\\u{e007f}]';
const BIDI = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
// A combining mark at the start of a value has no base of its own: it would sit on the column gap before it.
const UNSAFE = new RegExp(
  `^\\p{M}+|[\\u0000-\\u001f\\u007f-\\u009f${BIDI}${INVISIBLE}]|${STRAY_JOINER}|${STRAY_TAG}`,
  'gu',
);
/** The same, except line feeds, for whole messages the CLI composed (which may span lines). */
const UNSAFE_BUT_NEWLINE = new RegExp(
  `[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f${BIDI}${INVISIBLE}]|${STRAY_JOINER}|${STRAY_TAG}`,
  'gu',
);

const escapeOne = (char: string): string => {
  const code = char.codePointAt(0) ?? 0;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
};

/** Every character of `text` escaped (a run of leading combining marks is escaped mark by mark). */
const escapeVisibly = (text: string): string => Array.from(text, escapeOne).join('');

/** One value (a table cell, a SID, a URL, a message) with every control character escaped visibly. */
export const visible = (text: string): string => text.replace(UNSAFE, escapeVisibly);

/** How much of an outside word a refusal echoes: enough to recognise it (a SID is 36, a URL's start fits). */
export const ECHO_LIMIT = 80;

/**
 * An outside word (from the command line, a file, the environment) as a refusal echoes it: {@link visible}, and
 * cut after its first {@link ECHO_LIMIT} characters with how many it has (`abc… (100000 characters)`), so that a
 * word of 100 KB (a file pasted as an argument, a runaway `$(…)`) does not bury the refusal. Cut by code points
 * before escaping, so no escape and no character is cut in two.
 */
export const echo = (text: string): string => {
  const chars = Array.from(text);
  return chars.length <= ECHO_LIMIT
    ? visible(text)
    : `${visible(chars.slice(0, ECHO_LIMIT).join(''))}… (${chars.length} characters)`;
};

/**
 * Outside text of many words (an AWS error's message, which may repeat a name the operator typed) as a refusal
 * echoes it: each word {@link echo}ed, so a 100 KB name inside a sentence is cut as it is alone. Only spaces
 * part words: a line feed or a tab is escaped within its word.
 */
export const echoWords = (text: string): string => text.split(/( +)/).map(echo).join('');

/** The styles this CLI itself writes (bold, dim, red, green, yellow and their resets): nothing else passes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const OWN_STYLE = /\u001b\[(?:1|2|22|31|32|33|39)m/y;

/**
 * A whole line or block about to be written: line feeds and this CLI's own colour codes stay, every other
 * control character is escaped. The last line of defence behind {@link visible} on each value.
 */
export const visibleBlock = (text: string): string => {
  let out = '';
  let at = 0;
  let plain = '';
  // Each run between this CLI's own colour codes is escaped whole, so a joiner is judged by its neighbours.
  const flush = () => {
    out += plain.replace(UNSAFE_BUT_NEWLINE, escapeVisibly);
    plain = '';
  };
  while (at < text.length) {
    OWN_STYLE.lastIndex = at;
    const style = OWN_STYLE.exec(text);
    if (style) {
      flush();
      out += style[0];
      at += style[0].length;
      continue;
    }
    plain += text[at];
    at++;
  }
  flush();
  return out;
};

/**
 * JSON.stringify leaves DEL, C1, bidi controls and the invisible characters raw: escape them too (the value read
 * back is the same), as UTF-16 units (a tag character as its surrogate pair). Whatever {@link visibleBlock} would
 * escape in the JSON text is escaped here first, so the JSON written stays JSON.
 */
const JSON_UNSAFE = new RegExp(`[\\u007f-\\u009f${BIDI}${INVISIBLE}]|${STRAY_JOINER}|${STRAY_TAG}`, 'gu');
const jsonEscape = (units: string): string =>
  Array.from(
    { length: units.length },
    (_, at) => `\\u${units.charCodeAt(at).toString(16).padStart(4, '0')}`,
  ).join('');
export const safeJson = (value: unknown, indent?: number): string =>
  JSON.stringify(value, null, indent).replace(JSON_UNSAFE, jsonEscape);
