import { RequestValidationError } from '#commons/errors';
import { validateGetCallEvent, validateUpdateCallEvent } from '#commons/generated/validators';
import type { CallUpdate } from '#commons/signalwire/types';
import { violationsFromAjv } from '#commons/validation/violations';
import { type Hint, UsageError } from './errors.ts';
import { inFlagWords, pairHint } from './flag-words.ts';
import { visible } from './safe-text.ts';

/**
 * The functions' own precompiled validators, run before anything is sent (in every mode, so `--direct`
 * refuses exactly what the API refuses): a bad SID or update never leaves the machine.
 */
const check = (
  valid: boolean,
  errors: Parameters<typeof violationsFromAjv>[0],
  hint: Hint,
  input: unknown,
): void => {
  if (valid) return;
  // With the input, as the API words it: what is wrong with a refused URL (its host's xn-- form, a line break).
  const error = new RequestValidationError(violationsFromAjv(errors, { input }));
  // Named by the flags the operator typed (`--method`), not the API's fields (`Method`).
  const messages = error.violations.map((violation) => inFlagWords(violation.message));
  const pairs = messages.flatMap((message) => pairHint(message) ?? []);
  throw new UsageError(messages.join('; '), pairs.length > 0 ? pairs.join(' ') : hint);
};

/**
 * Invisible characters a copy from a chat, a web page or a PDF brings along: soft hyphen, zero-width space,
 * non-joiner and joiner, word joiner, byte-order mark. None can be part of a SID.
 */
const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/g;
/** One pair of quotes around a SID: `jq` without -r, a document's typographic quotes. */
const QUOTED = /^["'\u2018\u2019\u201c\u201d\u00ab\u00bb](.*)["'\u2018\u2019\u201c\u201d\u00ab\u00bb]$/s;

/** A value shown in a SID refusal: every character outside printable ASCII as an escape, so none hides. */
const shownExactly = (text: string): string =>
  visible(text).replace(
    /[^\x20-\x7e]/gu,
    (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );

/**
 * A call SID as typed or pasted: invisible characters (zero-width spaces, a BOM) anywhere, surrounding
 * whitespace (spaces, tabs, CR, LF: a copied line) and one pair of surrounding quotes (straight or typographic)
 * are dropped; anything else that is not a UUID is refused, shown with every odd character as an escape.
 */
export const checkCallSid = (callSid: string): string => {
  const bare = callSid.replace(INVISIBLE, '').trim();
  const sid = (QUOTED.exec(bare)?.[1] ?? bare).trim().toLowerCase();
  if (!validateGetCallEvent({ pathParameters: { callSid: sid } })) {
    throw new UsageError(
      `"${shownExactly(callSid)}" is not a call SID (a call SID is a UUID: 36 characters, 8-4-4-4-12 hexadecimal digits${sid.length !== 36 ? `; this is ${sid.length}` : ''})`,
      (command) => `\`${command('calls list')}\` shows the calls and their SIDs.`,
    );
  }
  return sid;
};

export const checkUpdate = (callSid: string, update: CallUpdate): void => {
  const hint: Hint =
    update.Status !== undefined && update.Url !== undefined
      ? (command) =>
          `End the call (\`${command(`calls end ${callSid}`)}\`) or redirect it (\`${command(`calls redirect ${callSid}`)} --url\` and the URL): one or the other, not both.`
      : 'URLs are absolute http(s) URLs without user:password; methods are GET or POST; --status is completed or canceled.';
  const event = { pathParameters: { callSid }, body: update };
  check(validateUpdateCallEvent(event), validateUpdateCallEvent.errors, hint, event);
};
