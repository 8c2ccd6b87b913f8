import { UsageError } from './errors.ts';
import { echo } from './safe-text.ts';
import { typeHint } from './shell-word.ts';

/** A word that starts as an option does (`--local`, `-o`), not as a value may (`-`, `-5m`, `+1415…`). */
export const OPTION_WORD = /^--?[A-Za-z]/;

/** `--yes` (or `-y`, alone or among short flags) before `--`: the line acts with no prompt to stop it. */
const actsUnasked = (line: string[]): boolean => {
  const end = line.indexOf('--');
  return (end === -1 ? line : line.slice(0, end)).some(
    (word) => word === '--yes' || (/^-[A-Za-z]*y/.test(word) && !word.startsWith('--')),
  );
};

/**
 * `call-control --secret-id --local end-all --yes` (`--secret-id $UNSET`, unquoted): the option after `flag` was
 * read as its value, so `--local` was lost and the calls of the stack on AWS would be ended. Refused, naming both,
 * with the line without `flag` when `reads` says that line is read without a refusal (`--stack --port calls get`
 * has none: `--port` lacks its value too), as parse.ts does for a command word read as the value.
 */
export const optionTakenForValue = async (
  argv: string[],
  flag: string,
  value: string,
  name = 'value',
  reads: (line: string[]) => Promise<boolean>,
): Promise<UsageError> => {
  const at = argv.findIndex((word, index) => word === flag && argv[index + 1] === value);
  const without = argv.filter((_, index) => index !== at);
  const placeholder = `${flag} <${name}>`;
  const lead = `Give ${flag} its value right after it (${placeholder}; ${flag}=<${name}> for one starting with "-"), or leave it out`;
  return new UsageError(
    `option '${flag}' needs a value (${placeholder}): "${echo(value)}" is an option, read as its value`,
    // Left out, an option other than `-o` may change what is acted on (`--stack`, `--secret-id`: another
    // deployment's calls; `end-all --to`: every call; `--expect`: the guard): not offered with `--yes`, no prompt.
    // Not found as two neighbours (`--to end-all --to +1`: the command word stood between them), there is no line
    // without it to offer: that line would be this one, read again, and refused again, without end.
    at !== -1 && (flag === '-o' || flag === '--output' || !actsUnasked(without)) && (await reads(without))
      ? typeHint(lead, without)
      : `${lead}.`,
  );
};
