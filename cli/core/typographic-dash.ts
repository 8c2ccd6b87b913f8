/**
 * `call-control calls list —local`: `--local` pasted from a chat or a document that turned `--` into a dash (—, –),
 * or autocorrected as typed. Read as written, the word is a command or an argument (`unknown command "—local"`,
 * `unexpected argument "–-local"`), which says nothing of the dash. Named as such, with the line to type.
 */
import { UsageError } from './errors.ts';
import { GLOBAL_OPTIONS, type OptionSpecs, takesValue } from './options.ts';
import type { CommandEntry } from './parse.ts';
import { echo } from './safe-text.ts';
import { typeHint } from './shell-word.ts';

/** A figure dash, en dash, em dash, horizontal bar or minus sign, then perhaps hyphens, then the option's name. */
export const DASHED_WORD = /^[\u2012-\u2015\u2212]+-*([a-z][a-z-]*)(=.*)?$/is;

/**
 * The commands that change no call. A dashed word standing as the value of one of their options is that value, even
 * when another command has an option of its name (`audit --actor —to`). Any other command's such value is refused
 * as before (`cleanup --apply --never-touch —to --yes`: a never-touch that protects nothing, where the plain-hyphen
 * line is refused as a value missing), which loads every command's options to know it; a command added later is
 * held to that by default.
 */
const CHANGES_NO_CALL = new Set(['calls list', 'calls get', 'audit', 'doctor']);

/**
 * Refuses a word before `--` that is an option's name behind a typographic dash (global, or any command's), with the
 * line to type when `reads` says that line is read without a refusal. Not so when the word stands where a value goes
 * (`end-all --to —yes`, `--to "$NUMBER" —yes` with the variable unset): `--to --yes` is refused in turn, and that
 * refusal's line leaves `--to` out (`end-all --yes`, every call), two copies from a line never typed.
 * `named` loads the options of the command the line names (undefined when it names none): the only module a line
 * that runs loads. Every command's options are loaded only for a dashed word that is none of those and stands
 * where no value goes (a command's place or an argument's, which a refusal is then about), or as the value of an
 * option of a command that changes calls (see `CHANGES_NO_CALL`).
 */
export const refuseTypographicDash = async (
  argv: string[],
  registry: Record<string, CommandEntry>,
  reads: (line: string[]) => Promise<boolean>,
  named: () => Promise<{ name: string; options: OptionSpecs } | undefined>,
): Promise<void> => {
  const end = argv.indexOf('--');
  const words = end === -1 ? argv : argv.slice(0, end);
  if (!words.some((word) => DASHED_WORD.test(word))) return;
  const command = await named();
  const specs: OptionSpecs = { ...GLOBAL_OPTIONS, ...command?.options };
  const names = new Set(Object.keys(specs));
  // A short option behind a dash (`–y`, `—o json`) is as much an option as its long name: `-y`, `-o`.
  const letters = new Set(Object.values(specs).flatMap((spec) => (spec.short ? [spec.short] : [])));
  const short = (match: RegExpExecArray | null) =>
    match?.[1] !== undefined && match[2] === undefined && letters.has(match[1]) ? `-${match[1]}` : undefined;
  const valueOfReader = (index: number) =>
    command !== undefined &&
    CHANGES_NO_CALL.has(command.name) &&
    index > 0 &&
    takesValue(words[index - 1]!, specs);
  const unknownArgument = (word: string, index: number) => {
    const match = DASHED_WORD.exec(word);
    const name = match?.[1]?.toLowerCase();
    return name !== undefined && !names.has(name) && short(match) === undefined && !valueOfReader(index);
  };
  // Loaded only for such a word: any command's option (`—dry-run`), not only the one named, may be the one meant.
  if (words.some(unknownArgument))
    for (const entry of Object.values(registry))
      for (const [name, spec] of Object.entries((await entry.load()).spec.options)) {
        names.add(name);
        if (spec.short) letters.add(spec.short);
      }
  const fixed = words.map((word) => {
    const match = DASHED_WORD.exec(word);
    const name = match?.[1]?.toLowerCase();
    return match && name && names.has(name) ? `--${name}${match[2] ?? ''}` : (short(match) ?? word);
  });
  const first = words.findIndex((word, index) => fixed[index] !== word);
  if (first === -1) return;
  const line = [...fixed, ...(end === -1 ? [] : argv.slice(end))];
  // A short option takes one hyphen (`–y` is `-y`), a long one two: said for the words put back.
  const isShort = (word: string) => !word.startsWith('--');
  const putBack = fixed.filter((word, index) => word !== words[index]);
  const lead = putBack.every(isShort)
    ? putBack.length === 1
      ? `Type the option with a hyphen (${putBack[0]})`
      : 'Type each option with a hyphen'
    : putBack.some(isShort)
      ? 'Type each option with its hyphens (one before a letter, two before a name)'
      : 'Type the option with two hyphens';
  throw new UsageError(
    `"${echo(words[first]!)}" begins with a typographic dash, not "${isShort(fixed[first]!) ? '-' : '--'}" (a paste or autocorrect changes one); nothing was sent`,
    (await reads(line))
      ? typeHint(lead, line)
      : `${lead}, where an option goes: the line with ${putBack.length > 1 || !isShort(fixed[first]!) ? 'them' : 'it'} put back is refused in turn (run the command with --help for its options).`,
  );
};
