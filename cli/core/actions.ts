import type { CallActionResult } from '#commons/calls/service';
import type { CallUpdate } from '#commons/signalwire/types';
import { apiOf, type CallApi, type CallsBackend } from './backend.ts';
import { outcomeText } from './calls-view.ts';
import { type CommandContext, holdOutput, printJson } from './command.ts';
import { CliError, callCheck, forCall, hintText, mayHaveApplied } from './errors.ts';
import { refusalInFlagWords } from './flag-words.ts';
import { watchInterrupts } from './interrupt.ts';
import { confirm, interactive } from './prompt.ts';
import { visible } from './safe-text.ts';
import { openCalls } from './targets.ts';
import { batchExit } from './terminal.ts';
import { checkCallSid, checkUpdate } from './validate.ts';

const DONE = { End: 'ended', Redirect: 'redirected', Update: 'updated', Transfer: 'transferred' } as const;

export interface ActionResult {
  sid: string;
  /**
   * `not-sent`: interrupted before its request; `unknown`: sent, and the answer not waited for (interrupted)
   * or no usable answer came (it may have been applied).
   */
  outcome: CallActionResult['outcome'] | 'failed' | 'not-sent' | 'unknown';
  /** The call's status after the action; null when SignalWire did not give it (a native call). */
  status?: string | null;
  /** The API that owns the call (`compatibility` or `calling`), once known. */
  api?: CallApi;
  error?: { code: string; message: string; hint?: string };
}

/** What a confirmation acts on: each call, and the change when there is one. */
const describeChange = (update: Record<string, string> | undefined): string =>
  update
    ? ` with ${Object.entries(update)
        .map(([field, value]) => `${field}=${visible(String(value))}`)
        .join(' ')}`
    : '';

/** What a call command changes: an update checked by the API's rules, or a transfer's destination. */
export type Change = { update: CallUpdate } | { transfer: Record<string, string> };

/**
 * The shared path of `calls end`, `calls redirect`, `calls update` and `calls transfer`: validate every SID
 * (and the change) before anything is sent, confirm (listing the calls), act on each call in turn, print one
 * line per call, and exit 0 (all done), 1 (none) or 3 (some).
 */
export const actOnCalls = async (
  context: CommandContext,
  sids: string[],
  what: 'End' | 'Redirect' | 'Update' | 'Transfer',
  act: (backend: CallsBackend, sid: string) => Promise<CallActionResult>,
  change?: Change,
): Promise<number> => {
  // A SID given twice (pasted twice, or as typed and in capitals) is acted on once: one request, one audit
  // record, one result; the note says so, so a count that differs from the input is explained.
  const all = sids.map(checkCallSid);
  const checked = [...new Set(all)];
  for (const sid of checked) {
    const times = all.filter((each) => each === sid).length;
    if (times > 1) context.note(`note: ${sid} was given ${times} times; it is acted on once`);
  }
  const update = change && 'update' in change ? change.update : undefined;
  if (update) for (const sid of checked) checkUpdate(sid, update);
  const shown =
    change && 'transfer' in change ? change.transfer : (update as Record<string, string> | undefined);
  const backend = await openCalls(context.globals);
  if (!context.yes && interactive()) {
    context.note(`${what} ${checked.length} call(s) on ${backend.where}${describeChange(shown)}:`);
    for (const sid of checked) context.note(`  ${sid}`);
  }
  await confirm(
    `${what} ${checked.length === 1 ? checked[0] : `these ${checked.length} calls`} on ${backend.where}?`,
    'yes',
    context.yes,
  );

  holdOutput();
  const results: ActionResult[] = [];
  const report = (): number => {
    if (context.output !== 'table') printJson(context, { results }, results);
    const failed = results.filter((result) => !DONE_OUTCOMES.has(result.outcome)).length;
    // A call whose outcome is unknown may have changed: never exit 1, which says nothing changed.
    const unknown = results.filter((result) => result.outcome === 'unknown').length;
    return batchExit(results.length - failed + unknown, failed);
  };
  const notSent = (sids: string[]) => {
    for (const sid of sids) {
      results.push({ sid, outcome: 'not-sent' });
      if (context.output === 'table')
        context.print(`${sid}  ${context.style.yellow('not sent (interrupted)')}`);
    }
  };
  // The call whose request is out: on a second Ctrl-C its outcome is unknown, and said so.
  let current: { sid: string; index: number } | undefined;
  const watch = watchInterrupts({
    first: () =>
      context.note(
        `interrupted: ${current ? `waiting for the answer about ${current.sid} (already sent); ` : ''}nothing more will be sent (Ctrl-C again to stop waiting)`,
      ),
    second: () => {
      if (current) {
        results.push({ sid: current.sid, outcome: 'unknown', error: UNKNOWN_OUTCOME(context, current.sid) });
        if (context.output === 'table') {
          context.print(
            `${current.sid}  ${context.style.yellow(`unknown: ${UNKNOWN_OUTCOME(context, current.sid).message}`)}`,
          );
          context.note(`  next: ${UNKNOWN_OUTCOME(context, current.sid).hint}`);
        }
        notSent(checked.slice(current.index + 1));
      }
      process.exit(report());
    },
  });
  try {
    for (const [index, sid] of checked.entries()) {
      if (watch.interrupted) {
        notSent(checked.slice(index));
        break;
      }
      current = { sid, index };
      results.push(await actOnOne(context, backend, sid, what, act));
    }
  } finally {
    current = undefined;
    watch.dispose();
  }
  return report();
};

const DONE_OUTCOMES = new Set<ActionResult['outcome']>(['updated', 'already-ended']);

const UNKNOWN_OUTCOME = (context: CommandContext, sid: string) => ({
  code: 'INTERRUPTED',
  message: 'sent, but the answer was not waited for (interrupted)',
  hint: `${callCheck(forCall(context.command, sid))} shows whether it was applied.`,
});

/** One call: its result, printed as a line in table mode. A failure is a result, never a lost batch. */
const actOnOne = async (
  context: CommandContext,
  backend: CallsBackend,
  sid: string,
  what: keyof typeof DONE,
  act: (backend: CallsBackend, sid: string) => Promise<CallActionResult>,
): Promise<ActionResult> => {
  try {
    const result = await act(backend, sid);
    if (context.output === 'table')
      context.print(`${sid}  ${context.style.green(visible(outcomeText(result, DONE[what])))}`);
    return {
      sid,
      outcome: result.outcome,
      status: result.call.status,
      api: result.api ?? apiOf(result.call),
    };
  } catch (thrown) {
    // A refusal of the change names the flag typed (`--method`), not the API's field (`Method`).
    const error = refusalInFlagWords(thrown, sid);
    const known = error instanceof CliError;
    const hint = known ? hintText(error.hint, forCall(context.command, sid)) : undefined;
    const message = error instanceof Error ? error.message : String(error);
    // Sent, and no usable answer: it may have been applied, so it is `unknown`, never `failed` (exit 1).
    const open = mayHaveApplied(error);
    if (context.output === 'table') {
      context.print(
        `${sid}  ${open ? context.style.yellow(`unknown: ${visible(message)}`) : context.style.red(`failed: ${visible(message)}`)}`,
      );
      if (hint) context.note(`  next: ${visible(hint)}`);
    }
    return {
      sid,
      outcome: open ? 'unknown' : 'failed',
      error: { code: known ? error.code : 'UNEXPECTED', message, ...(hint ? { hint } : {}) },
    };
  }
};
