import { describe, expect, it } from 'vitest';
import { visible } from '../../cli/core/safe-text.ts';
import { refusalOf, runCliFromSource } from '../support/cli-command-line.ts';

/**
 * A line to type is the exact command line for the operator's shell, or none: a value holding a control,
 * bidirectional or invisible character cannot be printed as itself (raw, it acts on the terminal or hides; as its
 * escape, `\x1b`, the line copied carries four other characters), so the hint says why no line is shown, and
 * never prints terminal control.
 */

const sid = '3f2a6c1e-9bf0-4a11-8c2d-0123456789ab';
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('a line to type with a value the terminal cannot show as itself', () => {
  it.each([
    ['an escape sequence', '+1\x1b[2J'],
    ['a right-to-left override', 'a\u202eb'],
    ['a zero-width space', '+1415\u200b5550100'],
    ['a line break', 'a\nb'],
    ['a tab', 'a\tb'],
  ])('is withheld for %s, saying why, with no line and no terminal control', async (_, value) => {
    const error = await refusalOf(['calls', 'list', '--to=', value, '--local']);
    const hint = String(error.hint);
    expect(hint).toBe(
      `Type the option and its value as one word; no line to copy is shown, since "${visible(`--to=${value}`)}" ` +
        'holds a control or invisible character: a line printed here could only show it as an escape, which typed ' +
        'back is another value.',
    );
    expect(hint).not.toContain('`call-control');
    expect(visible(hint)).toBe(hint);
    expect(hint).not.toMatch(TERMINAL_CONTROL);
  });

  it('is withheld when any split put back holds one, not only the first', async () => {
    const error = await refusalOf(['audit', '--call=', sid, '--actor=', 'x\x1b]0;owned\x07']);
    expect(String(error.hint)).toMatch(
      /^Type each SID, and each option with its value, as one word; no line/,
    );
    expect(String(error.hint)).toContain('"--actor=x\\x1b]0;owned\\x07"');
  });

  it('is withheld after a global option that lost its value to the command', async () => {
    const error = await refusalOf(['--port', 'calls', 'list', '--to', 'a\u202eb']);
    expect(String(error.hint)).toMatch(
      /^Give --port its value right after it \(--port <n>\), or leave it out; no line to copy is shown/,
    );
  });

  it('is shown for text a terminal shows as itself: accents, CJK, an emoji sequence, a joiner inside a word', async () => {
    for (const value of ['Zoë', '漢字', '👩‍💻', 'क्‍ष']) {
      const error = await refusalOf(['calls', 'list', '--to=', value]);
      expect(error.hint).toBe(
        `Type the option and its value as one word: \`call-control calls list '--to=${value}'\`.`,
      );
    }
  });
});

describe('a target option holding a control or invisible character', () => {
  it('is refused before anything is read or sent, naming the option, so no hint repeats it', async () => {
    const run = await runCliFromSource(['calls', 'end', sid, '--yes', '--stack', 'prod\u200b']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: --stack holds a control or invisible character ("prod\\u200b"); nothing was sent\n' +
        'next:  Type --stack again without it (a paste from a chat or a web page can add one).\n',
    );
  });
});

describe('an empty target option', () => {
  it.each([
    [['--stack=', 'calls', 'list'], '--stack'],
    [['calls', 'end', sid, '--yes', '--region', ''], '--region'],
    [['end-all', '--dry-run', '--profile', ' '], '--profile'],
  ])('%j is refused naming the option, not looked up as the name ""', async (args, flag) => {
    const run = await runCliFromSource(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: ${flag} is empty; nothing was sent\nnext:  Give ${flag} its value, or leave it out for the default.\n`,
    );
  });
});

describe('an empty target variable', () => {
  it.each([
    ['CALL_CONTROL_STACK', '', ['calls', 'list']],
    ['SIGNALWIRE_SECRET_ID', ' ', ['calls', 'list', '--direct']],
    ['PORT', '', ['calls', 'list', '--local']],
  ])('%s=%j is refused naming the variable, not looked up as the name ""', async (name, value, args) => {
    const run = await runCliFromSource(args, { [name]: value });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: ${name} is set but empty; nothing was sent\nnext:  Set ${name} to its value, or unset it (\`unset ${name}\`) for the default.\n`,
    );
  });

  it('is refused holding a control character, shown escaped, never raw', async () => {
    const run = await runCliFromSource(['calls', 'list'], { CALL_CONTROL_STACK: 'prod\x1b[2J' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: CALL_CONTROL_STACK holds a control or invisible character ("prod\\x1b[2J")',
    );
    expect(run.stderr).not.toContain('\x1b');
  });

  it('is not read when its option is given, and a PORT that is no port is named as PORT', async () => {
    const given = await runCliFromSource(['calls', 'list', '--port', 'x'], { PORT: '' });
    expect(given.stderr).toContain('--port must be a port number, got "x"');
    const named = await runCliFromSource(['calls', 'list', '--local'], { PORT: '80a' });
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('error: PORT must be a port number, got "80a"');
  });
});
