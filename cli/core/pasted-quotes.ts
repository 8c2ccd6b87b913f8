/**
 * `end-all --to “+15551234567”`, `calls redirect <sid> --url “https://…”`: a value pasted from a chat or a document
 * with its typographic quotes, which no shell removes (only `'` and `"` are the shell's). Read as given, the quotes
 * are part of the value: a filter that matches no call (`end-all` would then say there is none), a stack, profile or
 * secret of that name not found, a URL refused for not starting with http, a `--parent` sent to SignalWire as
 * given. Refused, naming the quotes, for every option but `audit --call`: one pair around its SID is read as that
 * SID (validate.ts's checkCallSid), as for the SIDs of `calls end`.
 */
import { UsageError } from './errors.ts';
import type { OptionSpecs } from './options.ts';
import { echo } from './safe-text.ts';

/** Typographic quotes, opening or closing: “ ” ‘ ’ „ ‚ « » ‹ ›. */
const QUOTE = '[\u201c\u201d\u2018\u2019\u201e\u201a\u00ab\u00bb\u2039\u203a]';
const AT_AN_END = new RegExp(`^${QUOTE}|${QUOTE}$`, 'u');

/** The option values of a parsed line, refused when one begins or ends with a typographic quote. */
export const refusePastedQuotes = (
  tokens: readonly { kind: string; name?: string; rawName?: string; value?: string }[],
  options: OptionSpecs,
): void => {
  for (const token of tokens) {
    if (token.kind !== 'option' || token.value === undefined || !AT_AN_END.test(token.value)) continue;
    if (token.name === 'call' && options.call?.value === 'sid') continue;
    throw new UsageError(
      `${token.rawName} "${echo(token.value)}" holds typographic quotes (“ ” ‘ ’ „ « »), pasted with it; a shell does not remove them; nothing was sent`,
      `Type ${token.rawName} again without them (or in plain quotes, ' or ", which the shell removes).`,
    );
  }
};
