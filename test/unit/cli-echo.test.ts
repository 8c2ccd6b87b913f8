import { describe, expect, it, vi } from 'vitest';
import { parseDuration } from '../../cli/core/calls-view.ts';
import { editDistance } from '../../cli/core/edit-distance.ts';
import { nearest } from '../../cli/core/options.ts';
import { ECHO_LIMIT, echo, echoWords } from '../../cli/core/safe-text.ts';
import { lineToType } from '../../cli/core/shell-word.ts';
import { refusalOf, runCliFromSource } from '../support/cli-command-line.ts';

// The nearest spelling's edit distance, wrapped to count the table cells each measure fills (|a| × |b|).
vi.mock('../../cli/core/edit-distance.ts', async (original) => {
  const real = (await original<typeof import('../../cli/core/edit-distance.ts')>()).editDistance;
  return { editDistance: vi.fn((a: string, b: string) => real(a, b)) };
});
const cellsMeasured = () =>
  vi.mocked(editDistance).mock.calls.reduce((cells, [a, b]) => cells + a.length * b.length, 0);

/**
 * A word from outside echoed in a refusal is cut after its first characters, with how many it has: a word of
 * 100 KB (a file pasted as an argument, a runaway `$(cat …)`) would otherwise bury the refusal it is named in.
 */
const HUGE = 'a'.repeat(100_000);
const CUT = `${'a'.repeat(ECHO_LIMIT)}… (100000 characters)`;

describe('echo: an outside word as a refusal shows it', () => {
  it('keeps a word up to the limit whole, escaped as visible() escapes it', () => {
    expect(echo('+15551234567')).toBe('+15551234567');
    expect(echo('a\u202eb\x1b[2J')).toBe('a\\u202eb\\x1b[2J');
    expect(echo('x'.repeat(ECHO_LIMIT))).toBe('x'.repeat(ECHO_LIMIT));
  });

  it('cuts a longer word after the limit, saying how many characters it has', () => {
    expect(echo(HUGE)).toBe(CUT);
  });

  it('counts and cuts by characters, not UTF-16 units, and escapes within the part shown', () => {
    const word = `\x1b${'😀'.repeat(ECHO_LIMIT)}`;

    expect(echo(word)).toBe(`\\x1b${'😀'.repeat(ECHO_LIMIT - 1)}… (${ECHO_LIMIT + 1} characters)`);
  });
});

describe('echoWords: outside text of many words (an AWS message repeating a name)', () => {
  it('cuts each long word as echo does, keeps the spaces, escapes a line feed within its word', () => {
    expect(echoWords(`no secret ${HUGE} here`)).toBe(`no secret ${CUT} here`);
    expect(echoWords('a  b\nc')).toBe('a  b\\x0ac');
  });
});

describe('a line to type withheld for a huge word holding a control character', () => {
  it('names the word by its start and length', () => {
    expect(lineToType(['calls', 'list', '--stack', `\x1b${HUGE}`])).toEqual({
      withheld: `no line to copy is shown, since "\\x1b${'a'.repeat(ECHO_LIMIT - 1)}… (100001 characters)" holds a control or invisible character: a line printed here could only show it as an escape, which typed back is another value`,
    });
  });
});

describe('a refusal names a huge word by its start and length', () => {
  it.each([
    ['an unknown command', [HUGE, 'list'], `unknown command "${CUT}"`],
    [
      'an unknown option',
      ['calls', 'list', `--${HUGE}`],
      `unknown option '--${'a'.repeat(ECHO_LIMIT - 2)}… (100002 characters)' for \`call-control calls list\``,
    ],
    [
      'an option given twice',
      ['calls', 'list', '--to', HUGE, '--to', '+1'],
      `option '--to' given twice, as "${CUT}" and "+1"; it takes one value`,
    ],
  ])('%s', async (_what, args, message) => {
    expect((await refusalOf(args)).message).toBe(message);
  });

  it('a number without its unit past the limit: named once, cut, not offered back with each unit', () => {
    const digits = '9'.repeat(100_000);

    expect(() => parseDuration(digits, '--older-than')).toThrow(
      `--older-than must be a duration such as 90s, 15m, 2h, 1d or 1h30m, got "${'9'.repeat(ECHO_LIMIT)}… (100000 characters)"`,
    );
    expect(() => parseDuration('9'.repeat(ECHO_LIMIT), '--older-than')).toThrow(/needs a unit: 9+s, 9+m/);
  });

  it('a PORT of 100 KB from the environment is named by its start', async () => {
    const run = await runCliFromSource(['calls', 'list', '--local'], { PORT: '8'.repeat(100_000) });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: PORT must be a port number, got "${'8'.repeat(ECHO_LIMIT)}… (100000 characters)"`,
    );
    expect(run.stderr.length).toBeLessThan(1000);
  });

  it('in what the command line prints: `calls list <100 KB>` is an unexpected argument, named by its start', async () => {
    const run = await runCliFromSource(['calls', 'list', HUGE, '--local']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: unexpected argument "${CUT}"`);
    expect(run.stderr.length).toBeLessThan(1000);
  });
});

describe('the nearest spelling of a huge word', () => {
  it('measures no name whose length is more than two from the word (more than two edits apart: never named)', () => {
    vi.mocked(editDistance).mockClear();

    expect(nearest(HUGE, ['list', 'end-all', 'calls', 'audit'])).toBeUndefined();
    expect(nearest(`--${HUGE}`, ['to', 'dry-run'])).toBeUndefined();
    expect(cellsMeasured()).toBe(0);
  });

  it('still measures names of a near length (`lsit`, `edn-all`, one letter dropped or added)', () => {
    vi.mocked(editDistance).mockClear();

    expect(nearest('lsit', ['list', 'end', 'transfer'])).toBe('list');
    expect(nearest('edn-al', ['end-all', 'calls', 'audit'])).toBe('end-all');
    expect(nearest('auditt', ['end-all', 'calls', 'audit'])).toBe('audit');
    expect(cellsMeasured()).toBeGreaterThan(0);
    expect(cellsMeasured()).toBeLessThan(1000);
  });

  it.each([
    [[HUGE, 'list']],
    [['calls', HUGE]],
    [['calls', 'list', `--${HUGE}`]],
    [[`--${HUGE}`]],
    [['--to', '+1', HUGE]],
    [[`—${HUGE}`, 'calls', 'list']],
  ])("a refusal of %# measures no table of the word's length", async (args) => {
    vi.mocked(editDistance).mockClear();

    await refusalOf(args);

    expect(cellsMeasured()).toBeLessThan(1000);
  });
});
