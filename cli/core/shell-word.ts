/**
 * The lines a hint tells the operator to type (`Type the SID as one word: \`call-control …\``). The CLI cannot
 * know the shell they will paste into, so each word is written the way bash, zsh and fish all read back as the
 * exact value (README, "The command line").
 */

/**
 * A word all three shells read as it is, bare: letters, digits and `_@%+=:,./-`, none of which any of them
 * expands or splits on. Not at the start: `=` (zsh's `=cmd` is the path of cmd) or `%` (fish 2's process
 * expansion). Letters and digits are ASCII only: anything else is quoted.
 */
const BARE = /^(?![=%])[\w@%+=:,./-]+$/;

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

/** A line to type: `call-control` and `words`, each quoted by {@link shellWord}. */
export const lineToType = (words: readonly string[]): string =>
  ['call-control', ...words.map(shellWord)].join(' ');
