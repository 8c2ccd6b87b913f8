/**
 * An option typed for a command that does not take it, though others do (`calls end <sid> --to +1555…`, where
 * `--to` is `end-all`'s and `calls list`'s): named with the commands that take it, rather than as a misspelling.
 * No line to type is offered for it: whether the operator meant the command named (and the option as a guard it
 * does not have) or another command taking the option (`end-all`, which ends every call matched) is not known.
 */
import { UsageError } from './errors.ts';
import { nearest, type OptionSpecs } from './options.ts';
import type { CommandEntry } from './parse.ts';
import { echo } from './safe-text.ts';

/** The commands of the registry that take `--name` as their own option, in the registry's order. */
export const commandsTaking = async (
  name: string,
  registry: Record<string, CommandEntry>,
): Promise<string[]> => {
  const owners: string[] = [];
  // Loaded only on this refusal: a command line that parses loads its own command's module alone.
  for (const [command, entry] of Object.entries(registry))
    if (Object.hasOwn((await entry.load()).spec.options, name)) owners.push(command);
  return owners;
};

/**
 * The options that are a flag (no value) of every command taking them: `--dry-run`, `--apply`, `--all`. Before the
 * command, such a flag never takes the next word as its value (`--dry-run edn-all` names the command misspelt).
 */
export const flagsOf = async (registry: Record<string, CommandEntry>): Promise<Set<string>> => {
  const types = new Map<string, Set<string>>();
  for (const entry of Object.values(registry))
    for (const [name, spec] of Object.entries((await entry.load()).spec.options))
      types.set(name, (types.get(name) ?? new Set()).add(spec.type));
  return new Set(
    [...types].filter(([, type]) => type.size === 1 && type.has('boolean')).map(([name]) => name),
  );
};

const listed = (commands: string[]): string =>
  new Intl.ListFormat('en-GB', { type: 'conjunction' }).format(commands.map((command) => `\`${command}\``));

/** What the commands taking `--name` are, said in a refusal: "--to is an option of `calls list` and `end-all`". */
export const ownersOf = async (
  rawName: string,
  registry: Record<string, CommandEntry>,
): Promise<string | undefined> => {
  if (!rawName.startsWith('--')) return undefined;
  const owners = await commandsTaking(rawName.slice(2), registry);
  return owners.length === 0 ? undefined : `${rawName} is an option of ${listed(owners)}`;
};

/**
 * `call-control calls end <sid> --to +1555…`, or with `--to +1555…` before the command: the option is named with the
 * commands that take it, and that `command` does not; else with its nearest spelling among `options`, if any.
 */
export const unknownOptionError = async (
  rawName: string,
  command: string,
  options: OptionSpecs,
  registry: Record<string, CommandEntry>,
): Promise<UsageError> => {
  const owners = await ownersOf(rawName, registry);
  // A short option's nearest spelling is a letter in the other case (`-O` is `-o`), never a long name (`--to`).
  const letter = /^-([^-])$/s.exec(rawName)?.[1]?.toLowerCase();
  const short = letter && Object.values(options).find((spec) => spec.short?.toLowerCase() === letter)?.short;
  const guess = letter
    ? short && `-${short}`
    : owners
      ? undefined
      : nearest(rawName.replace(/^--?/, ''), Object.keys(options));
  const why = owners
    ? `: ${owners}, not of \`${command}\``
    : guess
      ? ` (did you mean \`${letter ? guess : `--${guess}`}\`?)`
      : '';
  return new UsageError(
    `unknown option '${echo(rawName)}' for \`call-control ${command}\`${why}`,
    `Run \`call-control ${command} --help\` for its options and examples.`,
  );
};
