import type { CallActionResult } from '#commons/calls/service';
import type { CallUpdate } from '#commons/signalwire/types';
import { apiOf, type CallApi, type CallsBackend } from './backend.ts';
import { outcomeText } from './calls-view.ts';
import { type CommandContext, printJson } from './command.ts';
import { CliError, hintText } from './errors.ts';
import { confirm, interactive } from './prompt.ts';
import { visible } from './safe-text.ts';
import { openCalls } from './targets.ts';
import { batchExit } from './terminal.ts';
import { checkCallSid, checkUpdate } from './validate.ts';

const DONE = { End: 'ended', Redirect: 'redirected', Update: 'updated', Transfer: 'transferred' } as const;

export interface ActionResult {
  sid: string;
  outcome: CallActionResult['outcome'] | 'failed';
  status?: string;
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
  const checked = sids.map(checkCallSid);
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

  const results: ActionResult[] = [];
  for (const sid of checked) {
    try {
      const result = await act(backend, sid);
      results.push({
        sid,
        outcome: result.outcome,
        status: result.call.status,
        api: result.api ?? apiOf(result.call),
      });
      if (context.output === 'table')
        context.print(`${sid}  ${context.style.green(visible(outcomeText(result, DONE[what])))}`);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      const hint = hintText(error.hint, context.command);
      results.push({
        sid,
        outcome: 'failed',
        error: { code: error.code, message: error.message, ...(hint ? { hint } : {}) },
      });
      if (context.output === 'table') {
        context.print(`${sid}  ${context.style.red(`failed: ${visible(error.message)}`)}`);
        if (hint) context.note(`  next: ${visible(hint)}`);
      }
    }
  }
  if (context.output !== 'table') printJson(context, { results }, results);
  const failed = results.filter((result) => result.outcome === 'failed').length;
  return batchExit(results.length - failed, failed);
};
