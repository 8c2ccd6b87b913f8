import type { CleanupPolicy } from '#commons/cleanup/policy';
import type { Call } from '#commons/signalwire/types';
import { listAll } from './backend.ts';
import { callsTable } from './calls-view.ts';
import type { CommandContext } from './command.ts';
import { confirm, interactive } from './prompt.ts';
import { openCalls } from './targets.ts';

const PREVIEW_ROWS = 20;
const CLEANED_STATUSES = ['in-progress', 'ringing', 'queued'] as const;

/**
 * Before `cleanup --apply` ends anything: lists the live calls through the target, judges each by the
 * policy with the engine's own judge, shows the stale ones and asks for their count (as `end-all` does).
 * Returns how many the run may end: the stale calls found, at most the policy's cap.
 */
export const confirmStale = async (context: CommandContext, policy: CleanupPolicy): Promise<number> => {
  const [backend, { createCallJudge }] = await Promise.all([
    openCalls(context.globals),
    import('#commons/cleanup/find-stale'),
  ]);
  const now = Date.now();
  const judge = createCallJudge(policy, now);
  const stale: Call[] = [];
  for (const status of CLEANED_STATUSES) {
    for await (const call of listAll(backend, { status, pageSize: 200 })) {
      if (call.status === status && judge(call).kind === 'stale') stale.push(call);
    }
  }
  const count = Math.min(stale.length, policy.maxCallsToEnd);
  const asking = !context.yes && interactive() && count > 0;
  if (context.output === 'table' || asking) {
    context.note(context.errStyle.bold(`${stale.length} stale call(s) on ${backend.where}`));
    if (stale.length > 0)
      context.note(callsTable(stale.slice(0, PREVIEW_ROWS), context.errStyle, now, process.stderr));
    if (stale.length > PREVIEW_ROWS) context.note(`... and ${stale.length - PREVIEW_ROWS} more`);
    if (stale.length > count)
      context.note(
        `The circuit breaker (--max-calls ${policy.maxCallsToEnd}) ends at most ${count} of them.`,
      );
  }
  if (count > 0) await confirm(`End ${count} stale call(s)?`, String(count), context.yes);
  return count;
};
