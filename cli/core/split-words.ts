/**
 * Words the command line means as one that a space split: a call SID in pieces (a wrapped line copied), a SID split
 * from its `--call=`, an option split from its value (`--status= in-progress`). Each is refused before anything is
 * sent, naming the words, with the command line that puts them back (see parse.ts for the one line to type).
 */
import type { parseArgs } from 'node:util';
import { isSid } from '#commons/signalwire/sids';
import { UsageError } from './errors.ts';
import type { OptionSpecs } from './options.ts';
import { echo } from './safe-text.ts';
import { findSplitSid, type SplitSid, splitSidMessage } from './split-sid.ts';

/**
 * Words the command line means as one that a space split (a SID in pieces, an option and its value): refused,
 * carrying the command line with them put back (`retyped`), so that {@link parseCommandLine} can read that line
 * again and give one line to type that puts back every split, not the first one only.
 */
export class SplitWordsError extends UsageError {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** What to do, before the line to type: `Type the SID as one word`. */
    readonly lead: string,
    readonly retyped: string[],
  ) {
    super(message);
  }
}

export const SID_LEAD = 'Type the SID as one word';
export const OPTION_LEAD = 'Type the option and its value as one word';

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
export const refuseSplitSid = (argv: string[], at: number[], options: OptionSpecs): void => {
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
  if (lone !== -1)
    throw new SplitWordsError(
      `"${argv[start]}" and "${echo(argv[lone]!)}" are one option split by a space: ${sid}; nothing was sent`,
      SID_LEAD,
      retyped,
    );
  throw new SplitWordsError(splitSidMessage(words, split), SID_LEAD, retyped);
};

export type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

/**
 * `calls list --status= in-progress`: the value went to the next word, so the option is empty and the command
 * has one argument too many. Said as the option split from its value, with the line to type, not as an
 * unexpected argument "in-progress" (the SID options are caught before the parse, {@link refuseSplitSid}).
 */
export const refuseSplitValue = (
  argv: string[],
  tokens: Token[],
  options: OptionSpecs,
  /** Whether the word after `--x=` is one its value went to (`calls end <sid> --stack= prod`: not a SID). */
  meant: (word: string) => boolean = () => true,
): void => {
  // Where each `--x=` is followed by the word its value went to: every one is put back in the line to type. Only
  // an option that takes a value (an unknown `--bogus=` or a flag `--yes=` is refused as such below), and only a
  // word there is (`--to= ''` has no value to put back).
  // A short `-o= json` too (its `-o=` reached the parse as `-o` and an empty value); each `--x=` word once, so
  // the same split twice (`--to-prefix= +1 --to-prefix= +1`) is put back twice.
  const used = new Set<number>();
  const splits = tokens.flatMap((token, at) => {
    const next = tokens[at + 1];
    if (token.kind !== 'option' || token.value !== '' || next?.kind !== 'positional') return [];
    if (options[token.name]?.type !== 'string' || next.value === '' || !meant(next.value)) return [];
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
  throw new SplitWordsError(
    `"${first.flag}" and "${echo(first.value)}" are one option split by a space: ${first.flag}${echo(first.value)}; nothing was sent`,
    OPTION_LEAD,
    retyped,
  );
};
