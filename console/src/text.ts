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
