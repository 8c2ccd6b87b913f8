/**
 * `call-control calls list —local`: `--local` pasted from a chat or a document that turned `--` into a dash (—, –),
 * or autocorrected as typed. Read as written, the word is a command or an argument (`unknown command "—local"`,
 * `unexpected argument "–-local"`), which says nothing of the dash. Named as such, with the line to type.
 */
import { UsageError } from './errors.ts';
import { GLOBAL_OPTIONS } from './options.ts';
import type { CommandEntry } from './parse.ts';
import { echo } from './safe-text.ts';
import { typeHint } from './shell-word.ts';

/** A figure dash, en dash, em dash, horizontal bar or minus sign, then perhaps hyphens, then the option's name. */
const DASHED = /^[\u2012-\u2015\u2212]+-*([a-z][a-z-]*)(=.*)?$/is;

/**
 * Refuses a word before `--` that is an option's name behind a typographic dash (global, or any command's), with the
 * line to type when `reads` says that line is read without a refusal. Not so when the word stands where a value goes
 * (`end-all --to —yes`, `--to "$NUMBER" —yes` with the variable unset): `--to --yes` is refused in turn, and that
 * refusal's line leaves `--to` out (`end-all --yes`, every call), two copies from a line never typed.
 */
export const refuseTypographicDash = async (
  argv: string[],
  registry: Record<string, CommandEntry>,
  reads: (line: string[]) => Promise<boolean>,
): Promise<void> => {
  const end = argv.indexOf('--');
  const words = end === -1 ? argv : argv.slice(0, end);
  if (!words.some((word) => DASHED.test(word))) return;
  const names = new Set(Object.keys(GLOBAL_OPTIONS));
  // Loaded only for such a word: any command's option (`—dry-run`), not only the one named, may be the one meant.
  for (const entry of Object.values(registry))
    for (const name of Object.keys((await entry.load()).spec.options)) names.add(name);
  const fixed = words.map((word) => {
    const match = DASHED.exec(word);
    const name = match?.[1]?.toLowerCase();
    return match && name && names.has(name) ? `--${name}${match[2] ?? ''}` : word;
  });
  const first = words.findIndex((word, index) => fixed[index] !== word);
  if (first === -1) return;
  const line = [...fixed, ...(end === -1 ? [] : argv.slice(end))];
  throw new UsageError(
    `"${echo(words[first]!)}" begins with a typographic dash, not "--" (a paste or autocorrect changes one); nothing was sent`,
    (await reads(line))
      ? typeHint('Type the option with two hyphens', line)
      : 'Type the option with two hyphens, where an option goes: the line with them put back is refused in turn (run the command with --help for its options).',
  );
};
