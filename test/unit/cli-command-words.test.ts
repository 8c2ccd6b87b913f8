import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../cli/core/parse.ts';
import { COMMANDS } from '../../cli/registry.ts';
import { refusalOf } from '../support/cli-command-line.ts';

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

  it('is refused, naming the option, when the command that follows has no such option', async () => {
    expect((await refusalOf(['--to', '+15551234567', 'doctor'])).message).toBe("unknown option '--to'");
  });

  it('never takes a command word as the value: `--to end-all` lacks its value', async () => {
    expect((await refusalOf(['--to', 'end-all'])).message).toBe("option '--to' needs a value (--to <number>)");
  });
});
