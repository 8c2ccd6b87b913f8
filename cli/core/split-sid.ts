import { isSid } from '#commons/signalwire/sids';
import { UsageError } from './errors.ts';
import { visible } from './safe-text.ts';

/**
 * A call SID broken by a paste: a line wrapped in a chat or an e-mail comes back as two words
 * (`calls end 3f2a6c1e-…-8def 0123456789ab`), or as one quoted word with a line break inside. Neither piece is a
 * SID, so each would be refused as "not a call SID" (or, starting with `-`, as an unknown option), and nothing
 * would say that together they are one. Found before anything is parsed or sent, and refused, naming the pieces,
 * the SID they make and the command line to type: a SID is never guessed into one that is acted on.
 */

/** What a piece of a SID can be: hexadecimal groups and hyphens, a hyphen at either end (`…-8def-`, `-0123…`). */
const PIECE = /^-?[0-9a-f]+(?:-[0-9a-f]+)*-?$/i;
/** A space, tab or line break inside a word: what a paste leaves (a no-break space is refused as it is). */
const INSIDE_SPACE = /[^ \t\r\n][ \t\r\n]+[^ \t\r\n]/;

/** Where a split SID is in `words`, the pieces and the SID they make; `inside`: one word with spaces inside. */
export interface SplitSid {
  from: number;
  to: number;
  sid: string;
  inside: boolean;
}

const joinedSid = (pieces: string[]): string | undefined => {
  const direct = pieces.join('');
  if (isSid(direct)) return direct.toLowerCase();
  // Typed from a SID read aloud or copied out of a table: the hyphens became spaces.
  const hyphened = pieces.join('-');
  return isSid(hyphened) ? hyphened.toLowerCase() : undefined;
};

/**
 * The first SID split by whitespace in `words`: consecutive words (none a SID, each only hex digits and hyphens)
 * that make one SID together, or one word that does without the whitespace inside it. `canStart(index)` says
 * whether a piece may begin at that word (not the value of an option that takes no SID).
 */
export const findSplitSid = (
  words: readonly string[],
  canStart: (index: number) => boolean = () => true,
): SplitSid | undefined => {
  for (let from = 0; from < words.length; from++) {
    const word = words[from]!;
    if (!canStart(from) || isSid(word.trim())) continue;
    if (INSIDE_SPACE.test(word)) {
      const sid = joinedSid(word.trim().split(/[ \t\r\n]+/));
      if (sid) return { from, to: from, sid, inside: true };
      continue;
    }
    if (!PIECE.test(word.trim())) continue;
    const pieces = [word.trim()];
    for (let to = from + 1; to < words.length && pieces.join('').length < 36; to++) {
      const next = words[to]!.trim();
      if (isSid(next) || !PIECE.test(next)) break;
      pieces.push(next);
      const sid = joinedSid(pieces);
      if (sid) return { from, to, sid, inside: false };
    }
  }
  return undefined;
};

/** What happened to a split SID: the pieces and the SID they make. */
export const splitSidMessage = (words: readonly string[], split: SplitSid): string => {
  const pieces = words.slice(split.from, split.to + 1).map((piece) => `"${visible(piece)}"`);
  const what = split.inside
    ? `${pieces[0]} is one call SID with a line break or space inside`
    : `${pieces.join(' and ')} are one call SID split by ${pieces.length > 2 ? 'spaces' : 'a space'}`;
  return `${what}: ${split.sid}; nothing was sent`;
};

/** The refusal of a split SID: what happened, the SID, and `hint`, what to type instead. */
export const splitSidError = (words: readonly string[], split: SplitSid, hint: string): UsageError =>
  new UsageError(splitSidMessage(words, split), hint);
