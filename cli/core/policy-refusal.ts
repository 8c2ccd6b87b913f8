import { MAX_AGE_SECONDS, MAX_CALLS_TO_END, MIN_AGE_SECONDS } from '#commons/cleanup/policy-schemas';
import type { FieldViolation } from '#commons/errors';
import { UsageError } from './errors.ts';

/**
 * A cleanup policy the function's rules refuse, told in the flags the operator typed: what is wrong with each
 * one, and what to give instead. A violation of a field from --policy-file keeps the policy's own field name,
 * which is what the file says.
 */

const AGE_FLAGS = '--max-age-in-progress, --max-age-ringing or --max-age-queued';

/** `3600` → `1h`, `60` → `1m`, `2592000` → `30d`: the form a --max-age-* flag takes. */
const asDuration = (seconds: number): string =>
  seconds % 86_400 === 0
    ? `${seconds / 86_400}d`
    : seconds % 3_600 === 0
      ? `${seconds / 3_600}h`
      : seconds % 60 === 0
        ? `${seconds / 60}m`
        : `${seconds}s`;

interface Said {
  message: string;
  hint?: string;
  /** A --max-age-* flag below the floor: one hint names them all. */
  tooShort?: string;
}

/** One violation, in flag words: `typed` is the flag as typed for the policy field it set, if a flag set it. */
const sayViolation = ({ field, rule, message }: FieldViolation, typed: string | undefined): Said => {
  // Stryker disable next-line Regex: a field is `policy.` and its path, or a top-level name; none has it further in
  const name = field.replace(/^policy\./, '');
  if (name === 'maxAgeSeconds' && rule === 'required') {
    return {
      message: `no maximum age was given: the policy needs at least one of ${AGE_FLAGS} (or maxAgeSeconds in --policy-file)`,
      hint: `A state without a maximum age is never cleaned: give one for each state to clean, such as --max-age-in-progress 1h (${asDuration(MIN_AGE_SECONDS)} to ${asDuration(MAX_AGE_SECONDS)}).`,
    };
  }
  if (typed === undefined || !message.startsWith(field)) return { message };
  const flag = typed.split(' ')[0] ?? typed;
  // Stryker disable next-line Regex: the validator's range message ends with its bound (violations.ts)
  const limit = /must be (>=|<=) (\d+)$/.exec(message);
  if (name.startsWith('maxAgeSeconds.') && limit) {
    const below = limit[1] === '>=';
    const bound = asDuration(Number(limit[2]));
    return {
      message: `${typed} is too ${below ? 'short' : 'long'}: a maximum age is ${below ? 'at least' : 'at most'} ${bound} (${limit[2]} s)`,
      ...(below ? { tooShort: flag } : { hint: `Give ${flag} ${bound} or less.` }),
    };
  }
  if (name === 'maxCallsToEnd' && limit) {
    return {
      message: `${typed} is out of range: ${flag} must be ${limit[1] === '>=' ? 'at least' : 'at most'} ${limit[2]}`,
      hint: `--max-calls is the circuit breaker, the most calls one run ends: ${MAX_CALLS_HINT}.`,
    };
  }
  return { message: `${typed}${message.slice(field.length)}` };
};

const MAX_CALLS_HINT = `from 1 to ${MAX_CALLS_TO_END}`;

/** The refusal of a policy: each violation in flag words, and the hints of those that have one. */
export const policyRefusal = (
  violations: readonly FieldViolation[],
  typed: ReadonlyMap<string, string>,
): UsageError => {
  const said = violations.map((violation) =>
    // Stryker disable next-line Regex: as in sayViolation, `policy.` only ever starts a field
    sayViolation(violation, typed.get(violation.field.replace(/^policy\./, ''))),
  );
  const short = said.flatMap(({ tooShort }) => (tooShort ? [tooShort] : []));
  const floor = asDuration(MIN_AGE_SECONDS);
  const hints = [
    ...(short.length > 0
      ? [
          `Give ${short.join(' and ')} ${floor} or more: nothing younger than ${floor} counts as stuck (the floor also catches an age typed in the wrong unit, 30s meant as 30m).`,
        ]
      : []),
    ...new Set(said.flatMap(({ hint }) => (hint ? [hint] : []))),
  ];
  return new UsageError(
    `invalid policy: ${said.map(({ message }) => message).join('; ')}`,
    `${hints.length > 0 ? `${hints.join(' ')} ` : ''}See \`call-control cleanup --help\`. Nothing was ended.`,
  );
};
