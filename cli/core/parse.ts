import { parseArgs } from 'node:util';
import { isSid } from '#commons/signalwire/sids';
import type { CommandModule } from './command.ts';
import { UsageError } from './errors.ts';
import { GLOBAL_OPTIONS, nearest, type OptionSpecs, type OutputFormat, outputFormatOf } from './options.ts';
import { visible } from './safe-text.ts';
import { findSplitSid, type SplitSid, shellWord, splitSidError } from './split-sid.ts';

/** A command of the registry: its one-line summary (for `--help`) and how to load it. */
export interface CommandEntry {
  summary: string;
  load: () => Promise<CommandModule>;
}

export type CommandLine =
  | { kind: 'version' }
  | { kind: 'help'; topic: 'main' | 'calls'; asked: boolean }
  | {
      kind: 'command';
      name: string;
      module: CommandModule;
      values: Record<string, string | boolean | string[] | undefined>;
      positionals: string[];
    };

const globalTakesValue = (token: string): boolean => {
  if (token.includes('=')) return false;
  if (token.startsWith('--')) {
    const spec = (GLOBAL_OPTIONS as OptionSpecs)[token.slice(2)];
    return spec?.type === 'string';
  }
  // `-o json`, not `-ojson`.
  return (
    token.length === 2 &&
    Object.values(GLOBAL_OPTIONS).some(
      (spec) => 'short' in spec && `-${spec.short}` === token && spec.type === 'string',
    )
  );
};

/**
 * Where the command's words are: the first one or two words that are neither an option nor the value of a
 * global option, so global options may come first (`call-control --local --port 3001 calls list`).
 */
const commandWords = (argv: string[]): number[] => {
  const at: number[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (token === '--') break;
    if (token.startsWith('-') && token !== '-') {
      if (globalTakesValue(token)) index++;
      continue;
    }
    at.push(index);
    if (at.length === 2 || argv[at[0]!] !== 'calls') break;
  }
  return at;
};

/** The `-o` of a command line, as far as it can be read before the command is known (for error output). */
export const outputOf = (argv: string[]): OutputFormat => {
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (token === '--') break;
    const value =
      token === '-o' || token === '--output'
        ? argv[index + 1]
        : token.startsWith('--output=')
          ? token.slice(9)
          : token.startsWith('-o') && token.length > 2 && !token.startsWith('--')
            ? token.slice(2).replace(/^=/, '')
            : undefined;
    const format = outputFormatOf(value);
    if (format) return format;
  }
  return 'table';
};

const asks = (argv: string[], ...flags: string[]): boolean => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((token) => flags.includes(token));
};

/** The command named by the words, or a usage error naming what was typed and its nearest spelling. */
const findCommand = (
  words: string[],
  registry: Record<string, CommandEntry>,
  next: string | undefined,
): string => {
  const name = words.join(' ');
  if (registry[name]) return name;
  const names = Object.keys(registry);
  // `end calls <sid>`: the two words the wrong way round. Said as such, not as the nearest spelling of `end`
  // (`end-all`, the kill switch, is the last thing to suggest to someone who meant one call).
  // `end <sid>` likewise: a calls subcommand without its group.
  if (registry[`calls ${words[0]}`]) {
    throw new UsageError(
      `unknown command "${next === 'calls' ? `${words[0]} calls` : words[0]}" (did you mean \`calls ${words[0]}\`?)`,
      `The group comes first: \`call-control calls ${words[0]} …\`; \`call-control calls --help\` lists them.`,
    );
  }
  const candidates =
    words[0] === 'calls'
      ? names.filter((entry) => entry.startsWith('calls ')).map((entry) => entry.slice(6))
      : [...new Set([...names.map((entry) => entry.split(' ')[0]!), 'help'])];
  const typed = words[0] === 'calls' ? (words[1] ?? '') : words[0]!;
  // `call-control version`: the version is an option, as `--help` is also the word `help`.
  const guess = typed === 'version' ? '--version' : nearest(typed, candidates);
  const suggestion = guess ? (words[0] === 'calls' ? `calls ${guess}` : guess) : undefined;
  throw new UsageError(
    `unknown command "${words[0] === 'calls' ? name : typed}"${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`,
    words[0] === 'calls'
      ? 'Run `call-control calls --help` for the calls subcommands.'
      : 'Run `call-control --help` for the list of commands.',
  );
};

/**
 * No command, and an option that is no global one (`call-control --hlep`): named, with its nearest spelling,
 * rather than answered with the whole help on stderr and nothing said about what was typed.
 */
const refuseUnknownGlobal = (argv: string[]): void => {
  const end = argv.indexOf('--');
  for (const token of end === -1 ? argv : argv.slice(0, end)) {
    if (!token.startsWith('-') || token === '-') continue;
    const name = token.replace(/^--?/, '').replace(/=.*$/s, '');
    const short = !token.startsWith('--');
    const globals: OptionSpecs = GLOBAL_OPTIONS;
    const known = Object.entries(globals).some(([long, spec]) =>
      short ? spec.short === name : long === name,
    );
    if (known) continue;
    const guess = short
      ? Object.values(globals).find((spec) => spec.short?.toLowerCase() === name.toLowerCase())?.short
      : nearest(name.toLowerCase(), Object.keys(GLOBAL_OPTIONS));
    throw new UsageError(
      `unknown option '${token.replace(/=.*$/s, '')}'${guess ? ` (did you mean \`${short ? '-' : '--'}${guess}\`?)` : ''}`,
      'Run `call-control --help` for the commands and the options every command takes.',
    );
  }
};

/**
 * `call-control --port calls list`: the option's value is missing, so the command's first word was read as the
 * value and the rest is no command. Said as the missing value, not as an unknown command `list` (with a hint
 * to type `calls list`, which is what was typed).
 */
const valueTakenForCommand = (
  argv: string[],
  at: number[],
  registry: Record<string, CommandEntry>,
): UsageError | undefined => {
  const first = new Set(Object.keys(registry).map((name) => name.split(' ')[0]!));
  const end = at[0] ?? argv.length;
  for (let index = 0; index < end - 1; index++) {
    const token = argv[index]!;
    if (!globalTakesValue(token) || !first.has(argv[index + 1]!)) continue;
    const globals: OptionSpecs = GLOBAL_OPTIONS;
    const spec = Object.entries(globals).find(
      ([long, option]) => `--${long}` === token || `-${option.short}` === token,
    )?.[1];
    return new UsageError(
      `option '${token}' needs a value (${token} <${spec?.value ?? 'value'}>): "${argv[index + 1]}" was read as its value`,
      `Give ${token} its value, or leave it out: \`call-control ${token} <${spec?.value ?? 'value'}> ${argv.slice(index + 1).join(' ')}\`.`,
    );
  }
  return undefined;
};

/** Options whose value may be a call SID: a SID split there is one too. */
const SID_VALUES = new Set(['call', 'never-touch', 'parent']);

/** `--call=3f2a…`: the option's `--call=` and its value, when the option's value may be a SID. */
const inlineSidValue = (token: string): [string, string] | undefined => {
  const inline = /^(--([^=]+)=)(.*)$/s.exec(token);
  return inline && SID_VALUES.has(inline[2]!) ? [inline[1]!, inline[3]!] : undefined;
};

/** Whether `token` is a SID option's `--call=` with nothing after the `=`: its SID went to the next word. */
const emptyInlineSid = (token: string | undefined): boolean =>
  token !== undefined && inlineSidValue(token)?.[1] === '';

/**
 * A call SID split by a space in the command line (`calls end 3f2a…-8def 0123…`, `audit --call=3f2a…-8def 0123…`),
 * or split from its option (`audit --call= 3f2a…`, read as an empty `--call` and an unexpected argument): refused
 * before the parse reads a piece as an unknown option (`-9bf0…`) or an unexpected argument, naming the pieces and
 * the command line to type. A piece never starts at a command word, nor at the value of an option that takes no
 * SID.
 */
const refuseSplitSid = (argv: string[], at: number[], options: OptionSpecs): void => {
  const optionBefore = (index: number): string | undefined => {
    const before = argv[index - 1];
    if (before === undefined || !before.startsWith('-') || before.includes('=')) return undefined;
    const name = before.startsWith('--')
      ? before.slice(2)
      : Object.keys(options).find((key) => options[key]?.short === before.slice(1));
    return name !== undefined && options[name]?.type === 'string' ? name : undefined;
  };
  // The value of `--call=…` is a word a piece may start at, as the word after `--call` is.
  const words = argv.map((token) => inlineSidValue(token)?.[1] ?? token);
  // Every SID split from its `--never-touch=`: the line to type puts each back (`--never-touch= A --never-touch= B`).
  const lones = argv.flatMap((token, index) =>
    emptyInlineSid(argv[index - 1]) && !at.includes(index) && isSid(token.trim()) ? [index] : [],
  );
  const lone = lones[0] ?? -1;
  const split: SplitSid | undefined =
    lone !== -1
      ? { from: lone, to: lone, sid: argv[lone]!.trim().toLowerCase(), inside: false }
      : findSplitSid(words, (index) => {
          if (at.includes(index)) return false;
          if (inlineSidValue(argv[index]!)) return true;
          const option = optionBefore(index);
          return option === undefined || SID_VALUES.has(option);
        });
  if (!split) return;
  // `--call= 3f2a…`: the option goes back in front of its SID, as one word.
  const start = emptyInlineSid(argv[split.from - 1]) ? split.from - 1 : split.from;
  const sid = `${inlineSidValue(argv[start]!)?.[0] ?? ''}${split.sid}`;
  const retyped =
    lone !== -1
      ? argv.flatMap((word, index) =>
          lones.includes(index + 1)
            ? []
            : lones.includes(index)
              ? [`${argv[index - 1]}${word.trim().toLowerCase()}`]
              : [word],
        )
      : [...argv.slice(0, start), sid, ...argv.slice(split.to + 1)];
  const retype = ['call-control', ...retyped.map(shellWord)].join(' ');
  const hint = `Type the SID as one word: \`${retype}\`.`;
  if (lone !== -1)
    throw new UsageError(
      `"${argv[start]}" and "${visible(argv[lone]!)}" are one option split by a space: ${sid}; nothing was sent`,
      hint,
    );
  throw splitSidError(words, split, hint);
};

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/**
 * `calls list --status= in-progress`: the value went to the next word, so the option is empty and the command
 * has one argument too many. Said as the option split from its value, with the line to type, not as an
 * unexpected argument "in-progress" (the SID options are caught before the parse, {@link refuseSplitSid}).
 */
const refuseSplitValue = (argv: string[], tokens: Token[], options: OptionSpecs): void => {
  // Where each `--x=` is followed by the word its value went to: every one is put back in the line to type. Only
  // an option that takes a value (an unknown `--bogus=` or a flag `--yes=` is refused as such below), and only a
  // word there is (`--to= ''` has no value to put back).
  // A short `-o= json` too (its `-o=` reached the parse as `-o` and an empty value); each `--x=` word once, so
  // the same split twice (`--to-prefix= +1 --to-prefix= +1`) is put back twice.
  const used = new Set<number>();
  const splits = tokens.flatMap((token, at) => {
    const next = tokens[at + 1];
    if (token.kind !== 'option' || token.value !== '' || next?.kind !== 'positional') return [];
    if (options[token.name]?.type !== 'string' || next.value === '') return [];
    const flag = `${token.rawName}=`;
    const index = argv.findIndex((word, i) => !used.has(i) && word === flag && argv[i + 1] === next.value);
    if (index === -1) return [];
    used.add(index);
    return [{ index, flag, value: next.value }];
  });
  const [first] = splits;
  if (!first) return;
  const retyped = argv.flatMap((word, index) => {
    const split = splits.find((each) => each.index === index || each.index === index - 1);
    if (!split) return [word];
    return split.index === index ? [`${split.flag}${split.value}`] : [];
  });
  throw new UsageError(
    `"${first.flag}" and "${visible(first.value)}" are one option split by a space: ${first.flag}${visible(first.value)}; nothing was sent`,
    `Type the option and its value as one word: \`${['call-control', ...retyped.map(shellWord)].join(' ')}\`.`,
  );
};

/**
 * Reads the command line once: finds the command (global options may come before it), loads its module,
 * and parses every option, global or the command's own, wherever it stands, into typed values. An unknown
 * command or option is a usage error naming it, with its nearest valid spelling.
 */
export const parseCommandLine = async (
  argv: string[],
  registry: Record<string, CommandEntry>,
): Promise<CommandLine> => {
  if (asks(argv, '--version')) return { kind: 'version' };
  const at = commandWords(argv);
  const words = at.map((index) => argv[index]!);
  const helpAsked = asks(argv, '--help', '-h');
  if (words.length === 0) {
    const lost = valueTakenForCommand(argv, at, registry);
    if (lost) throw lost;
    refuseUnknownGlobal(argv);
  }
  if (words.length === 0 || words[0] === 'help') {
    return { kind: 'help', topic: 'main', asked: helpAsked || words[0] === 'help' };
  }
  if (words[0] === 'calls' && words.length === 1) return { kind: 'help', topic: 'calls', asked: helpAsked };
  // The word after an unknown one, for a command typed the wrong way round (`end calls`).
  const after = argv.slice((at[0] ?? 0) + 1).find((token) => !token.startsWith('-'));
  const name = (() => {
    try {
      return findCommand(words, registry, after);
    } catch (error) {
      const lost = valueTakenForCommand(argv, at, registry);
      if (lost) throw lost;
      // `call-control --regoin us-east-1 calls list`: the unknown "command" is the value of a misspelt option.
      const before = argv[at[0]! - 1];
      if (words[0] !== 'calls' && before?.startsWith('-') && !before.includes('='))
        refuseUnknownGlobal(argv.slice(0, at[0]));
      throw error;
    }
  })();
  const module = await registry[name]!.load();
  const options: OptionSpecs = { ...GLOBAL_OPTIONS, ...module.spec.options };
  refuseSplitSid(argv, at, options);
  // `-o=json` is `-o json` (as `--output=json` is): parseArgs would read the value as "=json".
  const rest = argv
    .filter((_, index) => !at.includes(index))
    .flatMap((token, index, all) => {
      const short = /^-([A-Za-z])=(.*)$/s.exec(token);
      const end = all.indexOf('--');
      return short && (end === -1 || index < end) ? [`-${short[1]}`, short[2]!] : [token];
    });
  const usage = `Run \`call-control ${name} --help\` for its options and examples.`;
  // Not strict: the tokens say which option was unknown or lacks its value, so the refusal names it
  // without reading Node's message.
  const { values, positionals, tokens } = parseArgs({
    args: rest,
    options: Object.fromEntries(
      Object.entries(options).map(([key, option]) => [
        key,
        {
          type: option.type,
          ...(option.short ? { short: option.short } : {}),
          ...(option.multiple ? { multiple: true } : {}),
        },
      ]),
    ),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  // An option of one value given twice with two values: which one was meant? (`end-all --to A --to B` would
  // otherwise end the calls to B alone, without a word.) The same value twice is harmless, and so is the same
  // word in another case for an option read in any case (`--status queued --status QUEUED`, as one is read).
  const given = new Map<string, string>();
  if (positionals.length > module.spec.positionals.max) refuseSplitValue(argv, tokens, options);
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) {
      const guess = nearest(token.name, Object.keys(options));
      throw new UsageError(
        `unknown option '${token.rawName}' for \`call-control ${name}\`${guess ? ` (did you mean \`--${guess}\`?)` : ''}`,
        usage,
      );
    }
    if (spec.type === 'string' && token.value === undefined)
      throw new UsageError(
        `option '${token.rawName}' needs a value (${token.rawName} <${spec.value ?? 'value'}>)`,
        usage,
      );
    if (spec.type === 'boolean' && token.inlineValue)
      throw new UsageError(`option '${token.rawName}' takes no value`, usage);
    if (spec.type === 'string' && !spec.multiple && token.value !== undefined) {
      const earlier = given.get(token.name);
      const word = (value: string) => (spec.caseless ? value.trim().toLowerCase() : value);
      if (earlier !== undefined && word(earlier) !== word(token.value))
        throw new UsageError(
          `option '${token.rawName}' given twice, as "${earlier}" and "${token.value}"; it takes one value`,
          `Give --${token.name} once. ${usage}`,
        );
      given.set(token.name, token.value);
    }
  }
  return {
    kind: 'command',
    name,
    module,
    values: values as Record<string, string | boolean | string[] | undefined>,
    positionals,
  };
};
