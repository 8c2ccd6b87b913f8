import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../cli/core/parse.ts';
import { COMMANDS } from '../../cli/registry.ts';
import { refusalOf, runCliFromSource } from '../support/cli-command-line.ts';

/**
 * `help` before a command (`call-control help end-all`, as `git help <command>`) or as the calls subcommand
 * (`calls help`, `calls help end`): the help of what it names, as `--help` after it gives, not the main help
 * (which says nothing of `end-all`'s options) or an unknown command "calls help".
 */
describe('the word help before the command it is asked for', () => {
  it.each([
    [['help', 'end-all'], 'end-all'],
    [['help', 'calls', 'end'], 'calls end'],
    [['calls', 'help', 'end'], 'calls end'],
    [['--local', 'help', 'cleanup'], 'cleanup'],
  ])('%j reads as `%s --help`', async (args, name) => {
    expect(await parseCommandLine(args, COMMANDS)).toMatchObject({
      kind: 'command',
      name,
      values: { help: true },
    });
  });

  it.each([[['help', 'calls']], [['calls', 'help']]])('%j is the calls help, asked for', async (args) => {
    expect(await parseCommandLine(args, COMMANDS)).toEqual({ kind: 'help', topic: 'calls', asked: true });
  });

  it('names a misspelt command after it with its nearest spelling', async () => {
    expect((await refusalOf(['help', 'edn-all'])).message).toBe(
      'unknown command "edn-all" (did you mean `end-all`?)',
    );
  });

  it('alone, or before `--`, is the main help, as before', async () => {
    for (const args of [['help'], ['help', '--', 'end-all']])
      expect(await parseCommandLine(args, COMMANDS)).toEqual({ kind: 'help', topic: 'main', asked: true });
  });

  it('prints the command help on stdout, exit 0', async () => {
    const run = await runCliFromSource(['help', 'end-all']);

    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^Usage: call-control end-all \[options\]\n/);
  });
});
