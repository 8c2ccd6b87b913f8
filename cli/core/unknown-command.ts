/**
 * A command line whose command is not one of the registry's (`cals list`, `edn-all`, `end <sid>`): named as typed,
 * with its nearest spelling, or with its group when it is a calls subcommand typed alone. A suggestion is only
 * said, never run; `end-all` (the kill switch) is never offered as a line to type.
 */
import { UsageError } from './errors.ts';
import { nearest } from './options.ts';
import type { CommandEntry } from './parse.ts';
import { echo } from './safe-text.ts';
import { typeHint } from './shell-word.ts';

/**
 * The unknown command `words` name, refused with its nearest spelling among the commands (the group's
 * subcommands after `calls`), or undefined when none is near: a word that is like no command may be a value,
 * unless `unguessed` says it is read as the command whatever it is (then refused without a spelling).
 */
export const misspeltCommand = (
  words: string[],
  registry: Record<string, CommandEntry>,
  unguessed = false,
): UsageError | undefined => {
  // `end <sid>`: a calls subcommand typed alone, never read as a misspelt `end-all` (see findCommand).
  if (registry[`calls ${words[0]!.toLowerCase()}`]) return undefined;
  const error = unknownCommand(words, registry);
  return error.guessed || unguessed ? error.error : undefined;
};

const unknownCommand = (
  words: string[],
  registry: Record<string, CommandEntry>,
): { error: UsageError; guessed: boolean } => {
  const names = Object.keys(registry);
  const group = words[0]!.toLowerCase() === 'calls' && words.length > 1;
  const candidates = group
    ? names.filter((entry) => entry.startsWith('calls ')).map((entry) => entry.slice(6))
    : [...new Set([...names.map((entry) => entry.split(' ')[0]!), 'help'])];
  const typed = group ? (words[1] ?? '') : words[0]!;
  // `call-control version`: the version is an option, as `--help` is also the word `help`.
  const guess = typed === 'version' ? '--version' : nearest(typed, candidates);
  const suggestion = guess ? (group ? `calls ${guess}` : guess) : undefined;
  const error = new UsageError(
    `unknown command "${echo(group ? words.join(' ') : typed)}"${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`,
    group
      ? 'Run `call-control calls --help` for the calls subcommands.'
      : 'Run `call-control --help` for the list of commands.',
  );
  return { error, guessed: suggestion !== undefined };
};

/** The command named by the words, or a usage error naming what was typed and its nearest spelling. */
export const findCommand = (
  words: string[],
  registry: Record<string, CommandEntry>,
  next: string | undefined,
  groupFirst: () => string[],
): string => {
  const name = words.join(' ');
  if (registry[name]) return name;
  // `end calls <sid>`: the two words the wrong way round. Said as such, not as the nearest spelling of `end`
  // (`end-all`, the kill switch, is the last thing to suggest to someone who meant one call).
  // `end <sid>` likewise: a calls subcommand without its group. In capitals too (`END <sid>`, caps lock on), which
  // `nearest` reads in lower case: read so, `end` is a prefix of `end-all`, the last suggestion for one call.
  const group = words[0]!.toLowerCase();
  if (registry[`calls ${group}`]) {
    throw new UsageError(
      `unknown command "${echo(next?.toLowerCase() === 'calls' ? `${words[0]} ${next}` : words[0]!)}" (did you mean \`calls ${group}\`?)`,
      `${typeHint('The group comes first', groupFirst())} \`call-control calls --help\` lists the subcommands.`,
    );
  }
  throw unknownCommand(words, registry).error;
};
