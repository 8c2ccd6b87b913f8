import { UsageError } from './errors.ts';
import { echo } from './safe-text.ts';

/**
 * A value of a fixed set of lower-case words, as typed: case and surrounding spaces do not matter
 * (`--status IN-PROGRESS`, `--direction Inbound`, `-o JSON`), as they never did for `--api` and `--method`,
 * so a value typed in capitals is read rather than refused. Anything else is refused naming the flag, the value
 * given and the values allowed; `why` says what narrows the set.
 */
export const checkChoice = <T extends string>(
  value: string,
  flag: string,
  allowed: readonly T[],
  why?: string,
): T => {
  const word = value.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(word)) return word as T;
  throw new UsageError(
    `${flag} must be ${allowed.join(', ')}, got "${echo(value)}"${why ? ` (${why})` : ''}`,
  );
};

/** {@link checkChoice} for a value that may be absent: absent stays absent. */
export const checkOptionalChoice = <T extends string>(
  value: string | undefined,
  flag: string,
  allowed: readonly T[],
  why?: string,
): T | undefined => (value === undefined ? undefined : checkChoice(value, flag, allowed, why));

/**
 * A value that must say something (`--to`, `--from`): an empty or blank one (`--to="$NUMBER"` with the variable
 * unset) is refused by the flag's name before anything is sent, rather than by the API's field (`to`).
 */
export const checkNotBlank = (
  value: string | undefined,
  flag: string,
  example: string,
): string | undefined => {
  if (value === undefined || value.trim() !== '') return value;
  throw new UsageError(
    `${flag} must not be empty, got "${echo(value)}"`,
    `Give it a value (\`${flag} ${example}\`), or leave it out; a shell variable that is empty or unset gives it none.`,
  );
};
