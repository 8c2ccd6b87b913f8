import { type SpawnSyncOptionsWithStringEncoding, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shellWord } from '../../cli/core/shell-word.ts';
import { refusalOf } from '../support/cli-command-line.ts';

/**
 * The words of a line to type, as bash, zsh and fish read them back: the CLI cannot know which shell the operator
 * pastes into, so every word must come back as the exact value in each. Checked with the real shells, interactive
 * (as a pasted line is read: bash's history expansion of `!` is on), reading the line from stdin. A shell that is
 * not installed is skipped with a message saying so, locally; under CI (`CI` or `CLI_SHELLS_REQUIRED=1`, as
 * `.ci/run` sets, and installs them) it fails.
 */

const VALUES = [
  "it's",
  "'",
  "''",
  "'quoted'",
  'a\\b',
  'a\\\\b',
  'a\\',
  '\\',
  "\\'",
  "a\\'b",
  '$HOME',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a value holding a shell expansion is the point
  '${HOME}',
  '$(id)',
  '`id`',
  '!',
  '!!',
  '!x',
  'a!b',
  '!$',
  'a b',
  ' lead',
  'trail ',
  '-x',
  '--yes',
  '-',
  '',
  'é',
  '漢字',
  '🙂',
  '+1 (415) 555-0100',
  '=ls',
  // zsh's MAGIC_EQUAL_SUBST (Kali's default .zshrc) reads `=ls` after an argument's first `=` or after a `:` there.
  '--actor==ls',
  'a==ls',
  '--to=+1:=ls',
  '%self',
  '~',
  '~root',
  'a~b',
  '*',
  '?',
  '[a]',
  '{a,b}',
  '#c',
  'a#b',
  ';',
  '&',
  '|',
  '<x',
  '>x',
  '^x',
  '"dq"',
  '--actor=a b',
  '--to=+1 415',
  'sip:agent@example.com',
  'https://example.com/a?b=c&d=e',
];

const REQUIRED = Boolean(process.env.CI) || process.env.CLI_SHELLS_REQUIRED === '1';
const work = mkdtempSync(join(tmpdir(), 'cli-shell-word-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const script = join(work, 'argv.mjs');
writeFileSync(
  script,
  'import { writeFileSync } from "node:fs";\nwriteFileSync(process.env.ARGV_OUT, JSON.stringify(process.argv.slice(2)));\n',
);

/** Each shell as an operator's terminal runs it, without their rc files, history kept out of their home. */
const SHELLS = [
  { name: 'bash', args: ['--norc', '--noprofile', '-i'], install: 'apt-get install -y bash' },
  { name: 'zsh', args: ['-f', '-i'], install: 'apt-get install -y zsh' },
  { name: 'zsh', args: ['-f', '-i', '-o', 'rcquotes'], install: 'apt-get install -y zsh' },
  { name: 'zsh', args: ['-f', '-i', '-o', 'magicequalsubst'], install: 'apt-get install -y zsh' },
  { name: 'fish', args: ['--no-config', '--private', '-i'], install: 'apt-get install -y fish' },
  { name: 'sh', args: ['-i'], install: 'apt-get install -y dash' },
];

/** The words `line` gives a program when `shell` reads it, as the operator would paste it. */
const readBack = (shell: (typeof SHELLS)[number], line: string): string[] => {
  const out = join(work, `${shell.name}.json`);
  rmSync(out, { force: true });
  // From a file: fish cannot read its input from the socket Node's `input` would give it.
  const input = join(work, 'line.txt');
  writeFileSync(input, `${line}\nexit\n`);
  const stdin = openSync(input, 'r');
  // In a session of its own (setsid), without the terminal the tests may run in: an interactive zsh or fish would
  // read the terminal, not stdin, and wait there for ever. Killed, not asked, at the timeout: an interactive shell
  // ignores SIGTERM, and spawnSync blocks the test's own timeout. (spawnSync reads `detached` as spawn does;
  // @types/node leaves it out of SpawnSyncOptions.)
  const options: SpawnSyncOptionsWithStringEncoding & { detached: boolean } = {
    stdio: [stdin, 'pipe', 'pipe'],
    env: { ...process.env, ARGV_OUT: out, HOME: work, XDG_DATA_HOME: work, HISTFILE: '/dev/null' },
    encoding: 'utf8',
    detached: true,
    timeout: 20_000,
    killSignal: 'SIGKILL',
  };
  const run = spawnSync(shell.name, shell.args, options);
  try {
    return JSON.parse(readFileSync(out, 'utf8')) as string[];
  } catch {
    throw new Error(`${shell.name} ran no program (exit ${run.status}): ${run.stderr}`);
  } finally {
    closeSync(stdin);
  }
};

const installed = (name: string): boolean => spawnSync(name, ['-c', 'exit 0']).status === 0;

/** The line to type of the refusal of `argv`, without its `call-control`. */
const lineOf = async (argv: string[]): Promise<string> => {
  const hint = String((await refusalOf(argv)).hint);
  const line = /`call-control (.*)`\.$/.exec(hint)?.[1];
  if (line === undefined) throw new Error(`no line to type in: ${hint}`);
  return line;
};

const sid = '3f2a6c1e-9bf0-4a11-8c2d-0123456789ab';
const actor = "--actor=O'Brien \\ $HOME !x é";

describe('shellWord: the quoting of a value in a line to type', () => {
  it.each([
    ['sip:agent@example.com', 'sip:agent@example.com'],
    ['+14155550100', '+14155550100'],
    ['', "''"],
    ['a b', "'a b'"],
    ["it's", "'it'\\''s'"],
    ['a\\b', "'a'\\\\'b'"],
    ['a\\', "'a'\\\\"],
    ['=ls', "'=ls'"],
    ['--actor==ls', "'--actor==ls'"],
    ['--to=+1:=ls', "'--to=+1:=ls'"],
    ['%self', "'%self'"],
    ['a=b', 'a=b'],
    ['!x', "'!x'"],
    ['é', "'é'"],
  ])('writes %j as %s', (value, quoted) => {
    expect(shellWord(value)).toBe(quoted);
  });

  it('quotes the words after a global option that lost its value to the command, in the line to type', async () => {
    // The line without the option (leaving it out): `<n>` in it would be a redirect from a file named n.
    expect(await lineOf(['--port', 'calls', 'list', '--to', 'a b', '--local'])).toBe(
      "calls list --to 'a b' --local",
    );
  });

  for (const shell of SHELLS) {
    const label = `${shell.name} ${shell.args.join(' ')}`;
    const missing = !installed(shell.name);
    if (missing && !REQUIRED)
      console.warn(
        `skipping the quoting checks in ${label}: ${shell.name} is not installed (${shell.install})`,
      );
    it.skipIf(missing && !REQUIRED)(`is read back by ${label} as the exact value, word by word`, () => {
      const line = [process.execPath, script, ...VALUES].map(shellWord).join(' ');
      expect(readBack(shell, line)).toEqual(VALUES);
    });
    it.skipIf(missing && !REQUIRED)(
      `reads a split refusal's line to type in ${label} as the words meant`,
      async () => {
        const line = await lineOf(['audit', '--call=', sid, '--actor=', actor.slice(8), '--local']);
        expect(readBack(shell, `${shellWord(process.execPath)} ${shellWord(script)} ${line}`)).toEqual([
          'audit',
          `--call=${sid}`,
          actor,
          '--local',
        ]);
      },
    );
  }
});
