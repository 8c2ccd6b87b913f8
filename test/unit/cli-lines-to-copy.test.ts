import { describe, expect, it } from 'vitest';
import { isSid } from '#commons/signalwire/sids';
import { paint } from '../../cli/core/colour.ts';
import { commandHelp } from '../../cli/core/command.ts';
import { CliError, hintText } from '../../cli/core/errors.ts';
import { refusalInFlagWords } from '../../cli/core/flag-words.ts';
import { parseCommandLine } from '../../cli/core/parse.ts';
import { checkUpdate } from '../../cli/core/validate.ts';
import { COMMANDS, callsHelp, mainHelp } from '../../cli/registry.ts';
import { refusalOf } from '../support/cli-command-line.ts';

/**
 * A line meant to be copied (an example of `--help`, a line to type in a hint or in the help's prose) is a whole
 * command line: it never holds a placeholder (`<command>`, `<sid>` is a shell redirect from a file; `3f2a...` or
 * `…` is no value), and it is read by the CLI as it stands. Usage lines are where placeholders belong, and they
 * follow one convention: words as typed, `<name>` for a value, `...` repeated, `(a | b)` one of two, `[options]`.
 */

const style = paint(false);
const WIDE = 1000;
const PLACEHOLDER = /<[^>]*>|…|\.\.\./;

const helps = async (): Promise<Array<[string, string]>> => [
  ['--help', mainHelp(style, WIDE)],
  ['calls --help', callsHelp(style, WIDE)],
  ...(await Promise.all(
    Object.entries(COMMANDS).map(
      async ([name, entry]): Promise<[string, string]> => [
        `${name} --help`,
        commandHelp((await entry.load()).spec, style, WIDE),
      ],
    ),
  )),
];

/** The lines under `Examples:`, up to the blank line that ends them. */
const examplesOf = (help: string): string[] => {
  const lines = help.split('\n');
  const start = lines.indexOf('Examples:');
  if (start === -1) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end === -1 ? undefined : end).map((line) => line.trim());
};

/** The words of the CLI's own command line in an example: before a `#` comment, a pipe or a redirect. */
const cliWords = (example: string): string[] =>
  example
    .split(/ (?:#|\||<) /)[0]!
    .trim()
    .split(/ +/);

describe('the lines of --help meant to be copied', () => {
  it('every example is a whole command line the CLI reads, each SID a whole SID', async () => {
    for (const [topic, help] of await helps()) {
      const examples = examplesOf(help);
      if (topic !== 'calls --help') expect(examples.length, topic).toBeGreaterThan(0);
      for (const example of examples) {
        const [program, ...argv] = cliWords(example);
        expect(program, example).toBe('call-control');
        expect(example, example).not.toMatch(PLACEHOLDER);
        const line = await parseCommandLine(argv, COMMANDS);
        expect(line.kind, example).toBe('command');
        if (line.kind !== 'command') continue;
        const { args } = line.module.spec;
        for (const word of line.positionals)
          if (args?.includes('<sid>') && word !== '-') expect(isSid(word), `${example}: ${word}`).toBe(true);
        for (const value of Object.values(line.values).flat())
          if (typeof value === 'string') expect(value, example).not.toMatch(PLACEHOLDER);
      }
    }
  });

  it('every line quoted in the prose (`call-control …`) holds no placeholder', async () => {
    for (const [topic, help] of await helps())
      for (const quoted of help.match(/`call-control[^`]*`/g) ?? [])
        expect(quoted, topic).not.toMatch(PLACEHOLDER);
  });

  it('every usage line follows the one convention', async () => {
    for (const [topic, help] of await helps()) {
      const usage = help.split('\n')[0];
      expect(usage, topic).toMatch(
        /^Usage: call-control(?: [a-z-]+)*(?: <[a-z]+>(?:\.\.\.)?| \(<[a-z]+>(?:\.\.\.)? \| -\))? \[options\]$/,
      );
    }
  });
});

describe('a hint line to type', () => {
  it('for a calls subcommand typed without its group is the whole line, the group first', async () => {
    const sid = '3f2a6c1e-9bf0-4a11-8c2d-0123456789ab';
    expect((await refusalOf(['end', sid, '--local'])).hint).toBe(
      `The group comes first: \`call-control calls end ${sid} --local\`. \`call-control calls --help\` lists the subcommands.`,
    );
    expect((await refusalOf(['end', 'calls', sid, '--yes'])).hint).toBe(
      `The group comes first: \`call-control calls end ${sid} --yes\`. \`call-control calls --help\` lists the subcommands.`,
    );
  });

  it('in capitals (caps lock on: `END <sid>`) is still `calls end`, never `end-all` (the kill switch)', async () => {
    const sid = '3f2a6c1e-9bf0-4a11-8c2d-0123456789ab';
    const line = `The group comes first: \`call-control calls end ${sid} --yes\`. \`call-control calls --help\` lists the subcommands.`;
    for (const [args, typed] of [
      [['END', sid, '--yes'], 'END'],
      [['End', 'calls', sid, '--yes'], 'End calls'],
      [['END', 'CALLS', sid, '--yes'], 'END CALLS'],
    ] as const) {
      const error = await refusalOf([...args]);
      expect(error.message, typed).toBe(`unknown command "${typed}" (did you mean \`calls end\`?)`);
      expect(error.hint, typed).toBe(line);
    }
  });
});

describe('the line to type of a refused change', () => {
  const SID = '3f2a6c1e-9bf0-4a11-8c2d-0123456789ab';
  const refusedAs = (message: string) =>
    refusalInFlagWords(new CliError(message, undefined, 2, 'INVALID_REQUEST'), SID) as CliError;

  it.each([
    'Method is a Compatibility API field; the native Calling API, which owns this call, has none',
    'FallbackUrl needs Url for a native call',
    'transfer is a native Calling API command; the Compatibility API, which owns this call, has none',
  ])('for "%s" holds no placeholder (`URL`, `<sid>`)', (message) => {
    const hint = String(hintText(refusedAs(message).hint, (args) => `call-control ${args} --local`));
    for (const line of hint.match(/`[^`]*`/g) ?? []) {
      expect(line).not.toMatch(PLACEHOLDER);
      expect(line).not.toMatch(/\bURL\b/);
    }
  });

  it('for --status with --url names both lines, the redirect one to be ended by the URL', () => {
    const error = (() => {
      try {
        checkUpdate(SID, { Status: 'completed', Url: 'https://example.com/x' });
      } catch (thrown) {
        return thrown as CliError;
      }
      throw new Error('accepted');
    })();
    const hint = String(hintText(error.hint, (args) => `call-control ${args} --local`));
    expect(hint).toBe(
      `End the call (\`call-control calls end ${SID} --local\`) or redirect it (\`call-control calls redirect ${SID} --local --url\` and the URL): one or the other, not both.`,
    );
  });
});
