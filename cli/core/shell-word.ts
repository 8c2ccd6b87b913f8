/**
 * The lines a hint tells the operator to type (`Type the SID as one word: \`call-control …\``). The CLI cannot
 * know the shell they will paste into, so each word is written the way bash, zsh and fish all read back as the
 * exact value, or the line is withheld, saying why (README, "The command line").
 */
import { echo, visible } from './safe-text.ts';

/**
 * A word all three shells read as it is, bare: letters, digits and `_@%+=:,./-`, none of which any of them
 * expands or splits on. Not at the start: `=` (zsh's `=cmd` is the path of cmd) or `%` (fish 2's process
 * expansion). Nor `==` or `:=` anywhere: with zsh's MAGIC_EQUAL_SUBST (set by Kali's default .zshrc) the `=cmd`
 * after an argument's first `=` or after a `:` there is expanded too (`--actor==ls`). Letters and digits are
 * ASCII only: anything else is quoted.
 */
const BARE = /^(?![=%])(?!.*[=:]=)[\w@%+=:,./-]+$/;

/**
 * `word` quoted for bash, zsh and fish alike: bare when {@link BARE}, else in single quotes, with each `'` and
 * each `\` written outside the quotes as `\'` and `\\`. Inside single quotes bash and zsh take every character as
 * it is, but fish reads `\'` and `\\` there as escapes (so `'a\\b'` would lose a backslash, and `'a\'` would not
 * end): outside quotes, `\'` and `\\` mean `'` and `\` to all three. An empty word is `''`. No `''` is ever
 * written inside a quoted run, so zsh's RC_QUOTES does not change it; `!` and `$` are always inside single quotes,
 * where neither bash's history expansion nor any expansion reaches them.
 */
export const shellWord = (word: string): string => {
  if (BARE.test(word)) return word;
  if (word === '') return "''";
  return word
    .split(/(['\\])/)
    .filter((piece) => piece !== '')
    .map((piece) => (piece === "'" || piece === '\\' ? `\\${piece}` : `'${piece}'`))
    .join('');
};

/**
 * Whether a word can be shown in a line to type as itself: it holds no character the CLI shows as an escape (a
 * control character, a bidirectional control, an invisible one: see safe-text.ts). Written raw, such a character
 * would act on the terminal or hide; shown as its escape (`\x1b`), the line copied would carry four other
 * characters. A line holding one is withheld instead ({@link lineToType}).
 */
export const writable = (word: string): boolean => visible(word) === word;

/** A line to type (`call-control` and the words, quoted), or why none is shown. */
export type LineToType = { line: string } | { withheld: string };

/**
 * `call-control` and `words`, each quoted by {@link shellWord}; withheld, saying which word and why, when a word
 * holds a character no line printed on a terminal can carry as itself (see {@link writable}).
 */
export const lineToType = (words: readonly string[]): LineToType => {
  const unwritable = words.find((word) => !writable(word));
  if (unwritable === undefined) return { line: ['call-control', ...words.map(shellWord)].join(' ') };
  return {
    withheld:
      `no line to copy is shown, since "${echo(unwritable)}" holds a control or invisible character: a line ` +
      'printed here could only show it as an escape, which typed back is another value',
  };
};

/** A hint that says what to do (`Type the SID as one word`), then the line to type, or why none is shown. */
export const typeHint = (lead: string, words: readonly string[]): string => {
  const typed = lineToType(words);
  return 'line' in typed ? `${lead}: \`${typed.line}\`.` : `${lead}; ${typed.withheld}.`;
};
