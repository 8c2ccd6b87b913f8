import { actOnCalls } from '../core/actions.ts';
import { API_OPTION, checkApi } from '../core/api-option.ts';
import { defineCommand } from '../core/command.ts';
import { CancelledError, CliError, EXIT, UsageError } from '../core/errors.ts';
import { watchInterrupts } from '../core/interrupt.ts';
import { findSplitSid, splitSidError } from '../core/split-sid.ts';

/** As many SIDs as the command line takes: one rule for a run, however the SIDs come. */
const MAX_SIDS = 1000;
/**
 * The most stdin is read for a list of SIDs: 1000 lines of a SID with a comment fit many times over. Past it,
 * the input is not such a list (`< /dev/zero`, `yes |`, the wrong file): refused as soon as it is seen, rather
 * than read to the end (which may never come) into memory.
 */
const MAX_STDIN_BYTES = 1024 * 1024;

/**
 * `calls end - --yes < sids.txt`: the SIDs of an incident's list, from stdin. One or more per line (separated by
 * spaces, tabs, commas or semicolons), CRLF or LF line ends, blank lines and `#` comments skipped; each is then
 * read as a pasted SID is. The list is stdin, so nobody can type a confirmation: `--yes` is required, and its
 * absence is said before anything is read.
 */
const sidsFromStdin = async (yes: boolean): Promise<string[]> => {
  if (process.stdin.isTTY)
    throw new UsageError(
      '`-` reads the SIDs from stdin, and stdin is this terminal',
      'Pipe the list in: `call-control calls end - --yes < sids.txt` (one SID per line), or give the SIDs as arguments.',
    );
  if (!yes)
    throw new CliError(
      'refusing to end calls listed on stdin without --yes: stdin is the list, so nobody can type the confirmation; nothing was changed',
      'Add --yes once you have checked the list (`calls get` with a SID shows a call).',
      EXIT.failed,
      'NOT_CONFIRMED',
    );
  const chunks: Buffer[] = [];
  let bytes = 0;
  // Ctrl-C (or SIGTERM, SIGHUP) before the list is whole: nothing was sent, and the operator is told so, as at
  // a prompt, rather than left with a bare exit 130 (a list still coming from a slow pipe is never half acted on).
  const watch = watchInterrupts({ first: () => process.stdin.destroy(), second: () => {} });
  const interrupted = () =>
    new CancelledError(
      'interrupted while reading the SIDs from stdin; nothing was sent, no call was changed',
    );
  try {
    for await (const chunk of process.stdin) {
      bytes += (chunk as Buffer).length;
      if (bytes > MAX_STDIN_BYTES) {
        process.stdin.destroy();
        throw new UsageError(
          `more than ${MAX_STDIN_BYTES / 1024 / 1024} MiB on stdin: not a list of SIDs (a run takes at most ${MAX_SIDS}); nothing was read further or sent`,
          'Check what is piped in: one SID per line, from a file (`call-control calls end - --yes < sids.txt`).',
        );
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw watch.interrupted ? interrupted() : error;
  } finally {
    watch.dispose();
  }
  if (watch.interrupted) throw interrupted();
  const sids = Buffer.concat(chunks)
    .toString('utf8')
    .split(/\r\n|\r|\n/)
    .flatMap((line) => line.replace(/#.*$/, '').split(/[\s,;]+/))
    .filter((sid) => sid !== '');
  if (sids.length === 0) throw new UsageError('no SIDs on stdin (blank lines and # comments are skipped)');
  const split = findSplitSid(sids);
  if (split)
    throw splitSidError(
      sids,
      split,
      `Join the pieces in the list on stdin: ${split.sid} on one line, then run it again.`,
    );
  if (sids.length > MAX_SIDS)
    throw new UsageError(
      `${sids.length} SIDs on stdin; a run takes at most ${MAX_SIDS}`,
      `Split the list: \`split -l ${MAX_SIDS} sids.txt part-\`, then one run per part.`,
    );
  return sids;
};

export const command = defineCommand(
  {
    name: 'calls end',
    summary:
      'End calls now, whatever their state and kind (a native call not yet answered is cancelled). Idempotent: a call already over is a success, with its outcome.',
    args: '(<sid>... | -)',
    positionals: { min: 1, max: MAX_SIDS },
    description: [
      'Lists the calls and asks you to type "yes" on a terminal; refuses without --yes when not on one.',
      '`-` reads the SIDs from stdin (one or more per line, CRLF or LF, # comments skipped); it needs --yes.',
    ],
    options: { api: API_OPTION },
    examples: [
      'call-control calls end 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab',
      'call-control calls end 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab 9b1d0a7f-2c3e-4d5f-8a6b-7c8d9e0f1a2b --yes -o json',
      'call-control calls end - --yes < sids.txt  # the SIDs of an incident, one per line',
      'call-control calls end 3f2a6c1e-9bf0-4a11-8c2d-0123456789ab --direct --yes  # the API is down',
      'call-control calls end 7c41d2b0-5e6f-4a7b-9c8d-0e1f2a3b4c5d --api calling --yes  # a native call (SWML, AI agent)',
    ],
  },
  async (context) => {
    const api = checkApi(context.values.api);
    const { positionals } = context;
    if (positionals.includes('-') && positionals.length > 1)
      throw new UsageError(
        '`-` (the SIDs from stdin) stands alone: give the SIDs either as arguments or on stdin',
      );
    const sids = positionals[0] === '-' ? await sidsFromStdin(context.yes) : positionals;
    return actOnCalls(context, sids, 'End', (backend, sid) => backend.endCall(sid, api));
  },
);
