import { CliError, forCall, type Hint } from './errors.ts';

/**
 * A refusal of a change, said in the words the operator typed. The API's rules (and the call service's, in
 * `--direct`) name SignalWire's fields (`Url`, `Method`, `StatusCallback`, `dest`): the CLI names the flag that
 * set each one (`--url`, `--method`, `--status-callback`, `--to`), says why, and what to use instead.
 */

/** SignalWire's field and the flag of `calls update` / `calls redirect` / `calls transfer` that sets it. */
export const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  StatusCallbackMethod: '--status-callback-method',
  StatusCallback: '--status-callback',
  FallbackMethod: '--fallback-method',
  FallbackUrl: '--fallback-url',
  Method: '--method',
  Url: '--url',
  Status: '--status',
  dest: '--to',
};

// Longest first, whole words only: `Url` is not the end of `FallbackUrl`, nor `Status` the start of `StatusCallback`.
const FIELD_WORD =
  /\b(StatusCallbackMethod|StatusCallback|FallbackMethod|FallbackUrl|Method|Url|Status|dest)\b/g;

/** `Method is only allowed together with Url` → `--method is only allowed together with --url`. */
export const inFlagWords = (message: string): string =>
  message
    .replace(FIELD_WORD, (field) => FLAG_OF_FIELD[field] ?? field)
    .replace(/: use completed to hang up\b/, ': use --status completed (or `calls end`) to hang up');

/**
 * What to do about a flag given without the one it goes with (`--method` without `--url`), from the refusal
 * `X is only allowed together with Y` in flag words; undefined for any other refusal.
 */
export const pairHint = (message: string): string | undefined => {
  const pair = /^(--[a-z-]+) is only allowed together with (--[a-z-]+)$/.exec(message);
  return pair ? `Give ${pair[2]} too, or leave out ${pair[1]}.` : undefined;
};

/** Why a native call has no such field, and what to do instead, per flag. */
const NATIVE_LACKS: Readonly<Record<string, { why: string; instead: Hint }>> = {
  '--method': {
    why: 'the Calling API fetches the SWML at --url itself, with no method to choose',
    instead: (command) =>
      `Leave out --method: \`${command('calls redirect <sid>')} --url\` and the same URL redirects a native call.`,
  },
  '--fallback-method': {
    why: 'the Calling API takes a fallback URL with no method',
    instead: 'Leave out --fallback-method; --fallback-url (given with --url) is taken as it is.',
  },
  '--status-callback': {
    why: 'a native call reports its status to the status_url / call_state_url set when it was created (in its SWML or RELAY dial), which an update cannot change',
    instead:
      'Leave out --status-callback (and --status-callback-method); change the URLs where the call is created.',
  },
  '--status-callback-method': {
    why: 'a native call reports its status to the status_url / call_state_url set when it was created, which an update cannot change',
    instead: 'Leave out --status-callback-method (and --status-callback).',
  },
};

const COMPATIBILITY_FIELD =
  /^(StatusCallbackMethod|StatusCallback|FallbackMethod|Method) is a Compatibility API field; the native Calling API, which owns this call, has none/;
const FALLBACK_WITHOUT_URL = /^FallbackUrl needs Url for a native call/;
const TRANSFER_OF_COMPATIBILITY =
  /^transfer is a native Calling API command; the Compatibility API, which owns this call/;

/** What is left of a refusal after its first violation: ` (and 2 more)`, said in flags too. */
const rest = (message: string): string => inFlagWords(/ \(and \d+ more\)$/.exec(message)?.[0] ?? '');

/**
 * A refusal of the change to `sid` (`INVALID_REQUEST`, or the conflict of `--status canceled`), in flag words,
 * with why and what instead for the refusals of a field the call's API does not have. Any other error is
 * returned as it is.
 */
export const refusalInFlagWords = (error: unknown, sid: string): unknown => {
  if (!(error instanceof CliError)) return error;
  const { message } = error;
  const conflict = error.code === 'CALL_STATE_CONFLICT' && message.startsWith('Status canceled');
  if (error.code !== 'INVALID_REQUEST' && !conflict) return error;
  const lacking = COMPATIBILITY_FIELD.exec(message);
  // Stryker disable next-line StringLiteral: the pattern's one group takes part in every match (`?? ''` is for tsc)
  const flag = lacking ? FLAG_OF_FIELD[lacking[1] ?? ''] : undefined;
  const native = flag ? NATIVE_LACKS[flag] : undefined;
  let said: { message: string; hint: Hint | undefined };
  // Stryker disable next-line LogicalOperator: COMPATIBILITY_FIELD names only fields NATIVE_LACKS has: both or neither
  if (flag && native) {
    said = {
      // The native refusal lists only fields the Calling API lacks: the others it counts are of the same kind.
      // Stryker disable next-line Regex: the ")" ending ` (and N more)` is the only one in it
      message: `${flag} is for Compatibility (cXML) calls only, and this call is native (the Calling API owns it): ${native.why}${rest(message).replace(/\)$/, ' of --method, --fallback-method, --status-callback, --status-callback-method, which a native call does not take either)')}`,
      hint: native.instead,
    };
  } else if (FALLBACK_WITHOUT_URL.test(message)) {
    said = {
      message: `--fallback-url needs --url for a native call: the Calling API sets a fallback only with a redirect${rest(message)}`,
      hint: 'Give --url with it (the SWML to redirect the call to), or leave out --fallback-url.',
    };
  } else if (TRANSFER_OF_COMPATIBILITY.test(message)) {
    said = {
      message:
        '`calls transfer` is for native calls (SWML, RELAY, AI agents), and this one is a Compatibility call (cXML), whose API has no transfer',
      hint: (command) =>
        `Redirect it to cXML that dials the destination instead: \`${command('calls redirect <sid>')} --url\` and that cXML's URL.`,
    };
  } else {
    said = { message: inFlagWords(message), hint: error.hint };
  }
  // A line of the hint names the call refused: its `<sid>` is written as the SID, as every hint naming a call is.
  const { hint } = said;
  const named: Hint | undefined =
    typeof hint === 'function' ? (command) => hint(forCall(command, sid)) : hint;
  return new CliError(said.message, named, error.exitCode, error.code, { cause: error });
};
