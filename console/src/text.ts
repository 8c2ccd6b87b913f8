// Text from outside, made visible: no DOM here, so the CLI-side property tests can run it in Node too.

const HIDDEN = /[\p{Cc}\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/gu;

/** `text` with every control or invisible formatting character written as `\u{…}`. */
export const visible = (text: unknown): string =>
  String(text ?? '').replace(HIDDEN, (char) => `\\u{${char.codePointAt(0)?.toString(16)}}`);
