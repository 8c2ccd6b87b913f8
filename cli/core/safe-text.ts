/**
 * Text from outside (SignalWire's answers, audit records, error messages, the command line itself) is data,
 * never terminal control: every control character (C0, DEL, C1) and every bidirectional override or isolate
 * is shown as a visible escape (`\x1b`, `\u202e`), so a caller name cannot clear the screen, retitle the
 * window, or reorder a preview row.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** The same, except line feeds: for whole messages the CLI composed, which may span lines. */
const UNSAFE_BUT_NEWLINE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeVisibly = (char: string): string => {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** One value (a table cell, a SID, a URL, a message) with every control character escaped visibly. */
export const visible = (text: string): string => text.replace(UNSAFE, escapeVisibly);

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
  while (at < text.length) {
    OWN_STYLE.lastIndex = at;
    const style = OWN_STYLE.exec(text);
    if (style) {
      out += style[0];
      at += style[0].length;
      continue;
    }
    const char = text[at]!;
    out += char.replace(UNSAFE_BUT_NEWLINE, escapeVisibly);
    at++;
  }
  return out;
};

/** JSON.stringify leaves DEL, C1 and bidi controls raw: escape them too (the value read back is the same). */
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
export const safeJson = (value: unknown, indent?: number): string =>
  JSON.stringify(value, null, indent).replace(
    JSON_UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
