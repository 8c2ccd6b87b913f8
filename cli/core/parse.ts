import { parseArgs } from 'node:util';
import { isSid } from '#commons/signalwire/sids';
import type { CommandModule } from './command.ts';
import { MissingCommandError, UsageError } from './errors.ts';
import { flagsOf, ownersOf, unknownOptionError } from './option-owners.ts';
import { OPTION_WORD, optionTakenForValue } from './option-value.ts';
import {
  GLOBAL_OPTIONS,
  isFlag,
  nearest,
  type OptionSpecs,
  takesValue as optionTakesValue,
} from './options.ts';
import { refusePastedQuotes } from './pasted-quotes.ts';
import { echo } from './safe-text.ts';
import { lineToType, typeHint } from './shell-word.ts';
import { OPTION_LEAD, refuseSplitSid, refuseSplitValue, SplitWordsError } from './split-words.ts';
import { DASHED_WORD, refuseTypographicDash } from './typographic-dash.ts';
import { findCommand, misspeltCommand } from './unknown-command.ts';

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

const globalTakesValue = (token: string): boolean => optionTakesValue(token, GLOBAL_OPTIONS as OptionSpecs);

/**
 * Where the command's words are: the first one or two words that are neither an option nor the value of a
 * global option, so global options may come first (`call-control --local --port 3001 calls list`).
 */
const commandWords = (
  argv: string[],
  takesValue: (token: string, next: string | undefined) => boolean = globalTakesValue,
): number[] => {
  const at: number[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (token === '--') break;
    if (token.startsWith('-') && token !== '-') {
      if (takesValue(token, argv[index + 1])) index++;
      continue;
    }
    at.push(index);
    // `CALLS LIST` (caps lock on) is two words too, refused with `calls list` as its nearest spelling.
    if (at.length === 2 || argv[at[0]!]!.toLowerCase() !== 'calls') break;
  }
  return at;
};

/**
 * `call-control --to +15551234567 end-all`: the command's own option, with its value, before the command (as global
 * options may stand; `--to=+1555… end-all` and `--dry-run end-all` are read so already). Read so only when it is
 * unambiguous: each option before the command that is no global one takes the word after it as its value when
 * that word is no option and no command's first word (`--dry-run end-all` is a flag and the command), and the
 * command then named takes every such option (a flag of its own leaves that word an argument, refused as one:
 * `--dry-run +1555… end-all`). The command's words, or undefined to read the line as
 * written (an unknown command or option is then named as such). An option another command takes is refused here:
 * named with its commands, as after the command (`--to +1555… calls end <sid>`), or as a missing command when the
 * line names none (`--to +1555…`, `calls --to +1555…`).
 */
const commandAfterOwnValues = async (
  argv: string[],
  registry: Record<string, CommandEntry>,
): Promise<number[] | undefined> => {
  const first = new Set(Object.keys(registry).map((name) => name.split(' ')[0]!));
  const read = (flags: ReadonlySet<string>) => {
    const own: string[] = [];
    const at = commandWords(argv, (token, next) => {
      if (globalTakesValue(token)) return true;
      const takes =
        token.startsWith('--') &&
        !token.includes('=') &&
        !flags.has(token.slice(2)) &&
        next !== undefined &&
        !next.startsWith('-') &&
        !first.has(next);
      if (takes) own.push(token.slice(2));
      return takes;
    });
    return { own, at, name: at.map((index) => argv[index]).join(' ') };
  };
  let { own, at, name } = read(new Set());
  // `--dry-run edn-all`: a flag of every command taking it takes no value; the word after it is the command.
  // Known only by loading every command's module, so only when the line as first read names no command.
  if (own.length > 0 && !registry[name]) ({ own, at, name } = read(await flagsOf(registry)));
  const entry = registry[name];
  const none = at.length === 0 || name === 'calls';
  // `--to +1555… edn-all`: the misspelt command is named first, not `--to` as an option of no command named; so
  // is a word like no command (`--to +1555… foo`) when every option before it is some command's.
  if (own.length > 0 && !entry && !none) {
    const words = at.map((i) => argv[i]!);
    const owned = await Promise.all(own.map((option) => ownersOf(`--${option}`, registry)));
    const unknown = misspeltCommand(words, registry, owned.every(Boolean));
    if (unknown) throw unknown;
  }
  if (own.length === 0 || (!entry && !none)) return undefined;
  const options: OptionSpecs = entry ? (await entry.load()).spec.options : {};
  // The command's own flag (`--dry-run +1555… end-all`) takes no value: the word after it is an argument, refused as
  // one, not the flag as "an option of `end-all` …, not of `end-all`".
  const foreign = own.find((option) => options[option] === undefined);
  if (foreign === undefined) return at;
  const owners = await ownersOf(`--${foreign}`, registry);
  if (owners && !entry) throw missingCommand(at.length === 0 ? 'main' : 'calls', argv, owners);
  if (owners) throw await unknownOptionError(`--${foreign}`, name, options, registry);
  return undefined;
};

/**
 * A command line that names no command (`call-control --stack=prod`), or no subcommand after `calls`: said as such,
 * with a line to type that names one and keeps the options given (`calls list`, which changes nothing); main.ts
 * lists the commands above it. `split` says how an option split from its value was read (`--stack= prod`).
 */
export const missingCommand = (
  topic: 'main' | 'calls',
  argv: string[],
  split?: string,
): MissingCommandError => {
  const first = topic === 'calls' ? commandWords(argv)[0] : undefined;
  // Not from `--` on (`call-control -- end-all`): after it, a word is an argument, which `calls list` refuses.
  const end = argv.indexOf('--');
  const options = (end === -1 ? argv : argv.slice(0, end)).filter((_, index) => index !== first);
  const offered = ['calls', 'list', ...options];
  return new MissingCommandError(
    `${topic === 'calls' ? '`calls` needs a subcommand' : 'a command is missing'}${split ? ` (${split})` : ''}; nothing was sent`,
    typeHint(
      `Name one of the ${topic === 'calls' ? 'subcommands' : 'commands'} above; to list the calls`,
      offered,
    ),
    topic,
    offered,
  );
};

/** The same refusal with no line to type: the one it offered is refused in turn (`calls --bogus`, `-o xml`). */
export const missingCommandUnoffered = (error: MissingCommandError): MissingCommandError =>
  new MissingCommandError(
    error.message,
    `Name one of the ${error.topic === 'calls' ? 'subcommands' : 'commands'} above, with options it takes (its --help lists them).`,
    error.topic,
  );

const asks = (argv: string[], ...flags: string[]): boolean => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((token) => flags.includes(token));
};

/**
 * No command, and an option that is no global one (`call-control --hlep`): named, with its nearest spelling,
 * rather than answered with the whole help on stderr and nothing said about what was typed. Another command's
 * option (`--to`) is named with the commands taking it; as a missing command when `argv` is the whole line.
 */
const refuseUnknownGlobal = async (
  argv: string[],
  registry: Record<string, CommandEntry>,
  whole = false,
): Promise<void> => {
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
    const owners = await ownersOf(token.replace(/=.*$/s, ''), registry);
    if (owners && whole) throw missingCommand('main', argv, owners);
    const guess = owners
      ? undefined
      : short
        ? Object.values(globals).find((spec) => spec.short?.toLowerCase() === name.toLowerCase())?.short
        : nearest(name.toLowerCase(), Object.keys(GLOBAL_OPTIONS));
    throw new UsageError(
      `unknown option '${echo(token.replace(/=.*$/s, ''))}'${owners ? ` (${owners})` : guess ? ` (did you mean \`${short ? '-' : '--'}${guess}\`?)` : ''}`,
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
    const placeholder = `${token} <${spec?.value ?? 'value'}>`;
    // The line to copy is the one without the option: a placeholder such as `<n>` in it would be a shell
    // redirect from a file `n`, and no value can be made up for the operator. The placeholder stays in the lead.
    // The words before it stay (`--stack prod -o end-all --yes`: without `--stack prod`, another stack's calls).
    const typed = lineToType([...argv.slice(0, index), ...argv.slice(index + 1)]);
    const lead = `Give ${token} its value right after it (${placeholder}), or leave it out`;
    return new UsageError(
      `option '${token}' needs a value (${placeholder}): "${argv[index + 1]}" was read as its value`,
      'line' in typed ? `${lead}: \`${typed.line}\`.` : `${lead}; ${typed.withheld}.`,
    );
  }
  return undefined;
};

/**
 * `call-control --stack= prod calls list`: a global option before the command split from its value, so the value
 * was read as the command. Said as the option split from its value, with the line to type, as after the command
 * (`calls list --stack= prod`), not as an unknown command "prod". `unknown` is where the unknown command word is.
 */
const refuseSplitGlobal = async (
  argv: string[],
  unknown: number,
  registry: Record<string, CommandEntry>,
): Promise<void> => {
  const flag = argv[unknown - 1];
  const name = flag === undefined ? undefined : /^(?:--([^=]+)|-([A-Za-z]))=$/.exec(flag);
  if (!name) return;
  const globals: OptionSpecs = GLOBAL_OPTIONS;
  const spec = name[1] ? globals[name[1]] : Object.values(globals).find((each) => each.short === name[2]);
  const retyped = [...argv.slice(0, unknown - 1), `${flag}${argv[unknown]}`, ...argv.slice(unknown + 1)];
  // `--to= +1415 end-all`: the command's own option, which may stand before it too (`--to=+1415 end-all`).
  const named = commandWords(retyped).map((index) => retyped[index]);
  const command = registry[named.join(' ')];
  const joined = `"${flag}" and "${echo(argv[unknown]!)}" are one option split by a space: ${flag}${echo(argv[unknown]!)}`;
  const own = name[1] && command ? (await command.load()).spec.options[name[1]] : undefined;
  if ((spec ?? own)?.type !== 'string') {
    // `--regoin= us-east-1 calls list`: a misspelt option, named as such.
    await refuseUnknownGlobal([flag!], registry);
    return;
  }
  // `call-control --stack= prod`: put back, the line names no command; a line to type that prints the help is no help.
  if (named.length === 0 || (named.length === 1 && named[0] === 'calls'))
    throw missingCommand(named.length === 0 ? 'main' : 'calls', retyped, joined);
  throw new SplitWordsError(`${joined}; nothing was sent`, OPTION_LEAD, retyped);
};

/**
 * The line to type for a command line refused for a split (`audit --call= <sid> --actor= 'a b'`): the refusal's
 * line read again, and again, until no split is left in it, so one line puts back every split (a SID from its
 * option, a SID in pieces, an option from its value) rather than the first, to be refused for the next.
 */
const retypeAll = async (first: SplitWordsError, registry: Record<string, CommandEntry>): Promise<string> => {
  const leads = new Set([first.lead]);
  let retyped = first.retyped;
  // Each round joins words, or puts a SID with a space inside back as one: at most as many rounds as words.
  for (let round = 0; round < first.retyped.length; round++) {
    try {
      await parseOnce(retyped, registry);
      break;
    } catch (error) {
      if (!(error instanceof SplitWordsError)) break;
      leads.add(error.lead);
      retyped = error.retyped;
    }
  }
  const lead = leads.size === 1 ? first.lead : 'Type each SID, and each option with its value, as one word';
  return typeHint(lead, retyped);
};

/**
 * Reads the command line once: finds the command (global options may come before it), loads its module,
 * and parses every option, global or the command's own, wherever it stands, into typed values. An unknown
 * command or option is a usage error naming it, with its nearest valid spelling; words split by a space that
 * are meant as one are named, with one line to type that puts back all of them.
 */
export const parseCommandLine = async (
  argv: string[],
  registry: Record<string, CommandEntry>,
): Promise<CommandLine> => {
  try {
    return await parseOnce(argv, registry);
  } catch (error) {
    if (!(error instanceof SplitWordsError)) throw error;
    throw new UsageError(error.message, await retypeAll(error, registry));
  }
};

/** Whether a command line is read as a command, without a refusal (a line to type that is not refused in turn). */
const readsAs = (registry: Record<string, CommandEntry>) => (line: string[]) =>
  parseOnce(line, registry).then(
    (read) => read.kind === 'command',
    () => false,
  );

/** The command the line names as written, a dashed word aside (`—local calls list`), and its options, if any. */
const namedCommand = async (
  argv: string[],
  registry: Record<string, CommandEntry>,
): Promise<{ name: string; options: OptionSpecs } | undefined> => {
  const words = argv.filter((word) => !DASHED_WORD.test(word));
  const name = commandWords(words)
    .map((index) => words[index])
    .join(' ');
  const entry = registry[name];
  return entry && { name, options: (await entry.load()).spec.options };
};

/**
 * `help end-all`, `calls help end` (as `git help <command>`): the line with the command named after the word and
 * `--help`, or undefined when the word names none (`help` alone is the main help).
 */
const helpAsWord = (argv: string[], at: number[]): string[] | undefined => {
  const words = at.map((index) => argv[index]);
  const helpAt = words[0] === 'help' ? 0 : words[0] === 'calls' && words[1] === 'help' ? 1 : undefined;
  if (helpAt === undefined || argv.includes('--')) return undefined;
  const line = argv.filter((_, index) => index !== at[helpAt]);
  return helpAt === 1 || commandWords(line).length > 0 ? [...line, '--help'] : undefined;
};

const parseOnce = async (argv: string[], registry: Record<string, CommandEntry>): Promise<CommandLine> => {
  if (asks(argv, '--version')) return { kind: 'version' };
  await refuseTypographicDash(argv, registry, readsAs(registry), () => namedCommand(argv, registry));
  const written = commandWords(argv);
  const at = registry[written.map((index) => argv[index]).join(' ')]
    ? written
    : ((await commandAfterOwnValues(argv, registry)) ?? written);
  const words = at.map((index) => argv[index]!);
  const helpAsked = asks(argv, '--help', '-h');
  if (words.length === 0) {
    const lost = valueTakenForCommand(argv, at, registry);
    if (lost) throw lost;
    await refuseUnknownGlobal(argv, registry, true);
  }
  const helpLine = helpAsWord(argv, at);
  if (helpLine) return parseOnce(helpLine, registry);
  if (words.length === 0 || words[0] === 'help') {
    return { kind: 'help', topic: 'main', asked: helpAsked || words[0] === 'help' };
  }
  if (words[0] === 'calls' && words.length === 1) return { kind: 'help', topic: 'calls', asked: helpAsked };
  // The word after an unknown one, for a command typed the wrong way round (`end calls`).
  const afterAt = argv.findIndex((token, index) => index > (at[0] ?? 0) && !token.startsWith('-'));
  const after = afterAt === -1 ? undefined : argv[afterAt];
  // The line as meant (`calls end <sid> --local`): the group first, then the rest as typed.
  const groupFirst = () => [
    'calls',
    words[0]!.toLowerCase(),
    ...argv.filter((_, index) => index !== at[0] && !(after?.toLowerCase() === 'calls' && index === afterAt)),
  ];
  const name = await (async () => {
    try {
      return findCommand(words, registry, after, groupFirst);
    } catch (error) {
      const lost = valueTakenForCommand(argv, at, registry);
      if (lost) throw lost;
      // The unknown word: the group's subcommand (`calls --stack= prod list`), else the command.
      await refuseSplitGlobal(argv, words[0] === 'calls' && at.length === 2 ? at[1]! : at[0]!, registry);
      // `call-control --regoin us-east-1 calls list`: the unknown "command" is the value of a misspelt option;
      // not of a flag (`--dry-run edn-all`), which takes none.
      const before = argv[at[0]! - 1];
      const option = before?.startsWith('-') && !before.includes('=') && !isFlag(before, GLOBAL_OPTIONS);
      if (words[0] !== 'calls' && option && !(await flagsOf(registry)).has(before!.slice(2)))
        await refuseUnknownGlobal(argv.slice(0, at[0]), registry);
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
  // `calls end <sid> --stack= prod`: a word no SID where each is one (`--stack= <sid>` may be an empty "$STACK").
  else if (module.spec.args?.includes('<sid>'))
    refuseSplitValue(argv, tokens, options, (word) => word !== '-' && !isSid(word.trim()));
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) throw await unknownOptionError(token.rawName, name, options, registry);
    // `--secret-id $UNSET --local end-all --yes`: the next option read as the value, `--local` lost with it.
    if (spec.type === 'string' && !token.inlineValue && OPTION_WORD.test(token.value ?? ''))
      throw await optionTakenForValue(argv, token.rawName, token.value!, spec.value, readsAs(registry));
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
          `option '${token.rawName}' given twice, as "${echo(earlier)}" and "${echo(token.value)}"; it takes one value`,
          `Give --${token.name} once. ${usage}`,
        );
      given.set(token.name, token.value);
    }
  }
  refusePastedQuotes(tokens, options);
  return {
    kind: 'command',
    name,
    module,
    values: values as Record<string, string | boolean | string[] | undefined>,
    positionals,
  };
};
