import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../cli/core/parse.ts';
import { COMMANDS } from '../../cli/registry.ts';
import { refusalOf, runCliFromSource } from '../support/cli-command-line.ts';

/**
 * Where the command is in a command line: global options may stand before it, and so may the command's own
 * options with their values when that is unambiguous (the option belongs to the command that follows).
 */

describe("the command's own option, with its value, before the command", () => {
  it('`--to +15551234567 end-all` is `end-all --to +15551234567`', async () => {
    const before = await parseCommandLine(['--to', '+15551234567', 'end-all', '--dry-run'], COMMANDS);
    const after = await parseCommandLine(['end-all', '--to', '+15551234567', '--dry-run'], COMMANDS);
    expect(before).toMatchObject({
      kind: 'command',
      name: 'end-all',
      values: { to: '+15551234567', 'dry-run': true },
      positionals: [],
    });
    expect(before).toEqual(after);
  });

  it('reads several, mixed with global options and flags, before a group command too', async () => {
    expect(
      await parseCommandLine(
        ['--local', '--to', '+13105550100', '--yes', '--from', '+14155550100', 'calls', 'list', '-o', 'json'],
        COMMANDS,
      ),
    ).toMatchObject({
      name: 'calls list',
      values: { local: true, to: '+13105550100', from: '+14155550100', yes: true, output: 'json' },
      positionals: [],
    });
  });

  it('is refused, naming the option and the commands that take it, when the command that follows has no such option', async () => {
    expect((await refusalOf(['--to', '+15551234567', 'doctor'])).message).toBe(
      `unknown option '--to' for \`call-control doctor\`: ${TO_OWNERS}, not of \`doctor\``,
    );
  });

  it('never takes a command word as the value: `--to end-all` lacks its value', async () => {
    expect((await refusalOf(['--to', 'end-all'])).message).toBe(
      "option '--to' needs a value (--to <number>)",
    );
  });
});

describe("a misspelt command after the command's own options (`--to +1555… edn-all`)", () => {
  it.each([
    [['--to', '+15551234567', 'edn-all'], 'unknown command "edn-all" (did you mean `end-all`?)'],
    [['--to', '+15551234567', 'endall', '--dry-run'], 'unknown command "endall" (did you mean `end-all`?)'],
    [['--status', 'ringing', 'calls', 'lsit'], 'unknown command "calls lsit" (did you mean `calls list`?)'],
    [['--actor', 'bob', 'audti'], 'unknown command "audti" (did you mean `audit`?)'],
  ])('%j names the command and its nearest spelling, not the option before it', async (args, message) => {
    const error = await refusalOf(args);

    expect(error.message).toBe(message);
    // Said, never run, and no line to type.
    expect(error.hint).toMatch(/^Run `call-control (calls )?--help` for the/);
  });

  it('reads `end` as a calls subcommand typed alone, never as a misspelt `end-all`', async () => {
    for (const word of ['end', 'END'])
      expect((await refusalOf(['--to', '+15551234567', word, SID])).message).toBe(
        `unknown option '--to' (${TO_OWNERS})`,
      );
  });

  it.each([
    [['--to', '+15551234567', 'foo'], 'unknown command "foo"'],
    [['--to', '+15551234567', 'foo', SID], 'unknown command "foo"'],
    [['--status', 'ringing', 'calls', 'foo'], 'unknown command "calls foo"'],
  ])(
    '%j names the word like no command, the first one wrong, not `--to` that some command takes',
    async (args, message) => {
      const error = await refusalOf(args);

      expect(error.message).toBe(message);
      expect(error.hint).toMatch(/^Run `call-control (calls )?--help` for the/);
    },
  );

  it('still names an option no command takes before the word (`--regoin us-east-1 foo`)', async () => {
    expect((await refusalOf(['--regoin', 'us-east-1', 'foo'])).message).toBe(
      "unknown option '--regoin' (did you mean `--region`?)",
    );
  });
});

describe('a flag before a misspelt command (`--dry-run edn-all`): a flag takes no value', () => {
  it.each([
    [['--dry-run', 'edn-all']],
    [['--apply', 'edn-all']],
    [['--all', 'edn-all', '--local']],
    [['--dry-run', '--local', 'edn-all']],
    [['--local', '--dry-run', 'edn-all', '--yes']],
    [['--dry-run=true', 'edn-all']],
    ...['--local', '--direct', '--yes', '-y', '--no-color', '--local=1'].map((flag) => [[flag, 'edn-all']]),
  ])('%j names the command and its nearest spelling, as `edn-all` alone does', async (args) => {
    const alone = await refusalOf(['edn-all']);
    const error = await refusalOf(args);

    expect([error.message, error.hint]).toEqual([alone.message, alone.hint]);
    expect(error.message).toBe('unknown command "edn-all" (did you mean `end-all`?)');
  });

  it('names a word like no command after a flag as the unknown command (`--dry-run foo`)', async () => {
    expect((await refusalOf(['--dry-run', 'foo'])).message).toBe('unknown command "foo"');
  });

  it('reads `end` after a flag as a calls subcommand typed alone, as without the flag', async () => {
    expect((await refusalOf(['--dry-run', 'end', SID])).message).toBe(
      (await refusalOf(['end', SID, '--dry-run'])).message,
    );
  });

  it('exits 2 with the misspelling on stderr, no list of commands, nothing on stdout', async () => {
    const run = await runCliFromSource(['--dry-run', 'edn-all']);
    expect([run.code, run.stdout]).toEqual([2, '']);
    expect(run.stderr).toBe(
      'error: unknown command "edn-all" (did you mean `end-all`?)\n' +
        'next:  Run `call-control --help` for the list of commands.\n',
    );
  });
});

const SID = 'CA1234567890abcdef1234567890abcdef';
const TO_OWNERS = '--to is an option of `calls list`, `calls transfer` and `end-all`';

describe('an option of other commands, typed for one that does not take it (`--to` for `calls end`)', () => {
  it.each([
    [['--to', '+15551230000', 'calls', 'end', SID]],
    [['--to=+15551230000', 'calls', 'end', SID]],
    [['calls', 'end', SID, '--to', '+15551230000']],
    [['calls', 'end', SID, '--to=+15551230000', '--local']],
  ])('%j names the commands taking it, and that `calls end` does not; no line to type', async (args) => {
    const error = await refusalOf(args);
    expect(error.message).toBe(
      `unknown option '--to' for \`call-control calls end\`: ${TO_OWNERS}, not of \`calls end\``,
    );
    // Which was meant, the one call or `end-all --to` (every call to the number), is not known: no line offered.
    expect(error.hint).toBe('Run `call-control calls end --help` for its options and examples.');
  });

  it('exits 2 with nothing on stdout: refused before anything is read or sent', async () => {
    const run = await runCliFromSource(['--to', '+15551230000', 'calls', 'end', SID, '--yes']);
    expect([run.code, run.stdout]).toEqual([2, '']);
    expect(run.stderr).toContain(`${TO_OWNERS}, not of \`calls end\``);
  });

  it.each([
    [['--dry-run', '+15551230000', 'end-all'], '+15551230000'],
    [['--apply', 'x', 'cleanup'], 'x'],
  ])(
    "%j: the command's own flag before it, then a word, refuses the word as an argument",
    async (args, word) => {
      const run = await runCliFromSource(args);
      expect([run.code, run.stdout]).toEqual([2, '']);
      expect(run.stderr).toContain(`error: unexpected argument "${word}"`);
    },
  );

  it('an option no command takes keeps its nearest spelling', async () => {
    expect((await refusalOf(['calls', 'end', SID, '--yse'])).message).toBe(
      "unknown option '--yse' for `call-control calls end` (did you mean `--yes`?)",
    );
  });
});

describe('a command line that names no command', () => {
  const commands = Object.keys(COMMANDS);

  it.each([
    [['--stack=', 'prod'], ' ("--stack=" and "prod" are one option split by a space: --stack=prod)'],
    [['--stack=prod'], ''],
    [[], ''],
  ])('%j says a command is missing under the list of commands, exit 2', async (args, split) => {
    const run = await runCliFromSource(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [listed, said] = run.stderr.split('\n\nerror: ');
    for (const name of commands) expect(listed).toMatch(new RegExp(`^  ${name} `, 'm'));
    const line = ['call-control', 'calls', 'list', ...(args.length > 0 ? ['--stack=prod'] : [])].join(' ');
    expect(said).toBe(
      `a command is missing${split}; nothing was sent\n` +
        `next:  Name one of the commands above; to list the calls: \`${line}\`.\n`,
    );
  });

  it.each([
    [
      ['--to', '+15551230000'],
      'a command is missing',
      'commands',
      '`call-control calls list --to +15551230000`',
    ],
    [
      ['--to=+1555', '--local'],
      'a command is missing',
      'commands',
      '`call-control calls list --to=+1555 --local`',
    ],
    [
      ['calls', '--to', '+1555'],
      '`calls` needs a subcommand',
      'subcommands',
      '`call-control calls list --to +1555`',
    ],
  ])(
    '%j says the command is missing and which commands take --to, offering `calls list` with it',
    async (args, said, what, line) => {
      const run = await runCliFromSource(args);
      expect([run.code, run.stdout]).toEqual([2, '']);
      expect(run.stderr.split('\n\nerror: ')[1]).toBe(
        `${said} (${TO_OWNERS}); nothing was sent\n` +
          `next:  Name one of the ${what} above; to list the calls: ${line}.\n`,
      );
    },
  );

  it('`calls` alone says its subcommand is missing, under the list of them', async () => {
    const run = await runCliFromSource(['calls', '--local']);
    expect(run.code).toBe(2);
    const [listed, said] = run.stderr.split('\n\nerror: ');
    for (const name of commands.filter((each) => each.startsWith('calls ')))
      expect(listed).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(listed).not.toMatch(/^ {2}end-all /m);
    expect(said).toBe(
      '`calls` needs a subcommand; nothing was sent\n' +
        'next:  Name one of the subcommands above; to list the calls: `call-control calls list --local`.\n',
    );
  });

  it('with -o json, the error is on stdout as JSON too', async () => {
    const run = await runCliFromSource(['-o', 'json', '--stack=prod']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'USAGE',
        message: 'a command is missing; nothing was sent',
        hint: 'Name one of the commands above; to list the calls: `call-control calls list -o json --stack=prod`.',
      },
    });
  });

  it.each([
    [['calls', '--bogus'], 'subcommands', '`calls` needs a subcommand'],
    [['-o', 'xml'], 'commands', 'a command is missing'],
    [['--stack='], 'commands', 'a command is missing'],
    [['--region', '\u001b[31m'], 'commands', 'a command is missing'],
    [['--to'], 'commands', `a command is missing (${TO_OWNERS})`],
    // `end-all`'s flag: the line offered is never `end-all`, and `calls list --dry-run` is refused in turn.
    [['--dry-run'], 'commands', 'a command is missing (--dry-run is an option of `end-all` and `cleanup`)'],
  ])(
    '%j offers no line to type that is refused in turn, only the sentence (exit 2)',
    async (args, what, said) => {
      const run = await runCliFromSource(args);
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n\nerror: ')[1]).toBe(
        `${said}; nothing was sent\n` +
          `next:  Name one of the ${what} above, with options it takes (its --help lists them).\n`,
      );
    },
  );

  it('offers no line when the environment refuses it in turn (CALL_CONTROL_STACK empty)', async () => {
    const run = await runCliFromSource(['--local'], { CALL_CONTROL_STACK: '' });
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n\nerror: ')[1]).toBe(
      'a command is missing; nothing was sent\n' +
        'next:  Name one of the commands above, with options it takes (its --help lists them).\n',
    );
  });

  it('--help alone is asked for: the help on stdout, exit 0, no error', async () => {
    const run = await runCliFromSource(['--local', '--help']);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^ {2}end-all /m);
  });
});

describe('an option whose value is missing, followed by another option', () => {
  it('is refused, not read as the value (`--secret-id $UNSET --local end-all --yes` would end the calls on AWS)', async () => {
    const error = await refusalOf(['--secret-id', '--local', 'end-all', '--yes']);
    expect(error.message).toBe(
      `option '--secret-id' needs a value (--secret-id <id>): "--local" is an option, read as its value`,
    );
    // No line: left out, `--secret-id` is the default secret, perhaps another project's calls, ended with no prompt.
    expect(error.hint).toBe(
      'Give --secret-id its value right after it (--secret-id <id>; --secret-id=<id> for one starting with "-"), ' +
        'or leave it out.',
    );
  });

  it.each([
    [['--stack', '--yes', 'end-all'], '--stack'],
    [['--profile', '-y', 'end-all', '--to', '+15551230000'], '--profile'],
    [['end-all', '--to', '--yes'], '--to'],
    [['end-all', '--to', '+15551230000', '--expect', '--yes'], '--expect'],
  ])(
    '%j offers no line leaving %s out: with --yes it would act, unasked, on other calls',
    async (argv, flag) => {
      const { hint } = await refusalOf(argv);
      expect(hint).toMatch(
        new RegExp(`^Give ${flag} its value right after it \\(.*\\), or leave it out\\.$`),
      );
    },
  );

  it('still offers the line leaving out an option that changes nothing acted on (`-o`), or one that asks first', async () => {
    expect((await refusalOf(['-o', '--yes', 'end-all', '--to', '+15551230000'])).hint).toMatch(
      /or leave it out: `call-control --yes end-all --to \+15551230000`\.$/,
    );
    expect((await refusalOf(['end-all', '--to', '+15551230000', '--expect', '--dry-run'])).hint).toMatch(
      /or leave it out: `call-control end-all --to \+15551230000 --dry-run`\.$/,
    );
  });

  it.each([
    [['end-all', '--to', '--dry-run'], '--to', '--dry-run'],
    [['--to', '--dry-run', 'end-all'], '--to', '--dry-run'],
    [['calls', 'list', '--stack', '--help'], '--stack', '--help'],
    [['calls', 'list', '--stack', '-o', 'json'], '--stack', '-o'],
  ])('%j: the option lost is named, not taken as the value', async (argv, flag, value) => {
    expect((await refusalOf(argv)).message).toMatch(
      new RegExp(
        `^option '${flag}' needs a value \\(${flag} <\\w+>\\): "${value}" is an option, read as its value$`,
      ),
    );
  });

  it('still takes a value starting with "-" that is no option, or one given after "="', async () => {
    expect(await parseCommandLine(['end-all', '--to', '-1', '--dry-run'], COMMANDS)).toMatchObject({
      values: { to: '-1', 'dry-run': true },
    });
    expect(await parseCommandLine(['calls', 'list', '--stack=--local'], COMMANDS)).toMatchObject({
      values: { stack: '--local' },
    });
  });
});

describe('an option whose value is missing, before the command and an option of the same name after it', () => {
  it('is refused once, not read again without end (`--stack --to end-all --to +1`: the line without `--to` is itself)', async () => {
    // Each reading of the line loads the command's module: counted, and stopped well past any honest number.
    let loads = 0;
    const registry = Object.fromEntries(
      Object.entries(COMMANDS).map(([name, entry]) => [
        name,
        {
          ...entry,
          load: () => {
            if (++loads > 200) throw new Error('read again without end');
            return entry.load();
          },
        },
      ]),
    );

    for (const args of [
      ['--stack', '--to', 'end-all', '--to', '+15551230000'],
      ['--stack', '--to', 'calls', 'list', '--to', '+15551230000'],
    ]) {
      loads = 0;
      const error = await refusalOf(args, registry);

      expect(error.message).toBe(
        `option '--stack' needs a value (--stack <name>): "--to" is an option, read as its value`,
      );
      expect(error.hint).toBe(
        'Give --stack its value right after it (--stack <name>; --stack=<name> for one starting with "-"), or leave it out.',
      );
      expect(loads).toBeLessThan(50);
    }
  });
});

describe('a command line that names no command, refused so that the line to type runs', () => {
  it('names a misspelt option split from its value as unknown, not a missing command', async () => {
    expect((await refusalOf(['--regoin=', 'us-east-1'])).message).toBe(
      "unknown option '--regoin' (did you mean `--region`?)",
    );
  });

  it('keeps no word from `--` on in the line to type (after it, `end-all` is an argument `calls list` refuses)', async () => {
    const run = await runCliFromSource(['--local', '--', 'end-all']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'next:  Name one of the commands above; to list the calls: `call-control calls list --local`.\n',
    );
  });
});

describe('an option split from its value among call SIDs (`calls end <sid> --stack= prod`)', () => {
  const sid = '3f2a6c1e-9bf0-4a11-8c2d-0123456789ab';

  it('is named as split when the word after it is no SID, with the line to type', async () => {
    const error = await refusalOf(['calls', 'end', sid, '--stack=', 'prod', '--local']);
    expect(error.message).toBe(
      '"--stack=" and "prod" are one option split by a space: --stack=prod; nothing was sent',
    );
    expect(error.hint).toBe(
      `Type the option and its value as one word: \`call-control calls end ${sid} --stack=prod --local\`.`,
    );
  });

  it('stays an empty option before a SID (`--stack="$UNSET" <sid>` is as likely as a split)', async () => {
    expect(await parseCommandLine(['calls', 'end', '--stack=', sid], COMMANDS)).toMatchObject({
      values: { stack: '' },
      positionals: [sid],
    });
  });
});

describe('caps lock on, or a short option in the other case', () => {
  it.each([
    [['CALLS', 'LIST', '--local'], 'unknown command "CALLS LIST" (did you mean `calls list`?)'],
    [['Calls', 'End', SID], 'unknown command "Calls End" (did you mean `calls end`?)'],
  ])('%j is named whole, with the group command as its nearest spelling', async (args, message) => {
    const error = await refusalOf(args);

    expect(error.message).toBe(message);
    expect(error.hint).toBe('Run `call-control calls --help` for the calls subcommands.');
  });

  it.each([
    [['calls', 'list', '-O', 'json'], '-O', '-o'],
    [['end-all', '-Y'], '-Y', '-y'],
  ])('%j: %s is offered %s, never a long name one letter away (`--to`)', async (args, typed, meant) => {
    expect((await refusalOf(args)).message).toBe(
      `unknown option '${typed}' for \`call-control ${args[0] === 'calls' ? 'calls list' : 'end-all'}\` (did you mean \`${meant}\`?)`,
    );
  });

  it('offers nothing for a letter no option has', async () => {
    expect((await refusalOf(['calls', 'list', '-x'])).message).toBe(
      "unknown option '-x' for `call-control calls list`",
    );
  });
});
