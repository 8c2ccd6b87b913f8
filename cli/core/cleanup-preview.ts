import { uniqueCalls } from '#commons/calls/unique-calls';
import type { CleanupPolicy } from '#commons/cleanup/policy';
import type { CallView } from '#commons/signalwire/types';
import { listAll } from './backend.ts';
import { callsTable } from './calls-view.ts';
import type { CommandContext } from './command.ts';
import { confirm, interactive } from './prompt.ts';
import { openCalls, openSignalWire, targetKind } from './targets.ts';

const PREVIEW_ROWS = 20;
const CLEANED_STATUSES = ['in-progress', 'ringing', 'queued'] as const;

/** The stale Compatibility calls, listed through the target and judged by the engine's own judge. */
const staleCompatibility = async (context: CommandContext, policy: CleanupPolicy, now: number) => {
  const [backend, { apiOfCall, createCallJudge }] = await Promise.all([
    openCalls(context.globals),
    import('#commons/cleanup/find-stale'),
  ]);
  const judge = createCallJudge(policy, now);
  const stale: CallView[] = [];
  for (const status of CLEANED_STATUSES) {
    for await (const call of listAll(backend, { status, pageSize: 200 })) {
      // The API lists native calls too; they are judged by the engine's native rules (or not previewed).
      if (apiOfCall(call) === 'calling') continue;
      if (call.status === status && judge(call).kind === 'stale') stale.push(call);
    }
  }
  // A call listed twice (pages that shifted between reads) is previewed once, as its freshest reading.
  return { stale: uniqueCalls(stale), where: backend.where };
};

/**
 * The stale native calls, read from the voice logs with the secret (`--local`, `--direct`) and judged by the
 * engine's native rules (the answer event of an answered call included), in the Compatibility Call's shape.
 */
const staleNative = async (
  context: CommandContext,
  policy: CleanupPolicy,
  now: number,
): Promise<CallView[]> => {
  // From the engine's module, which the run loads anyway: no chunk of its own in the CLI's bundle.
  const [access, { findStaleNative }] = await Promise.all([
    openSignalWire(context.globals),
    import('#commons/cleanup/run-cleanup'),
  ]);
  return findStaleNative(await access.native(), policy, now);
};

/** What the preview confirmed: at most how many calls the run may end, and how many it showed (the bar's total). */
export interface Confirmed {
  cap: number;
  /** Undefined when the preview could not judge every call the run may end (native calls, deployed). */
  total: number | undefined;
}

/**
 * Before `cleanup --apply` ends anything: lists the live calls the policy covers, judges each with the engine's
 * own rules, shows the stale ones and asks for their count (as `end-all` does). Returns how many the run may
 * end: the stale calls found, at most the policy's cap. Native calls are previewed with `--local` and
 * `--direct`, which hold the secret and read their answer events as the run does; deployed, the function alone
 * can, so the preview says it judged only the Compatibility calls, a policy covering native calls is confirmed
 * as such and bounded by its own circuit breaker, and the run's progress is a counter, not a share of a total.
 */
export const confirmStale = async (context: CommandContext, policy: CleanupPolicy): Promise<Confirmed> => {
  const now = Date.now();
  const { stale, where } = policy.apis.includes('compatibility')
    ? await staleCompatibility(context, policy, now)
    : {
        stale: [] as CallView[],
        where: targetKind(context.globals) === 'deployed' ? 'the deployed stack' : 'SignalWire',
      };
  const covers = policy.apis.includes('calling');
  const unseenNative = covers && targetKind(context.globals) === 'deployed';
  if (covers && !unseenNative) stale.push(...(await staleNative(context, policy, now)));
  const count = Math.min(stale.length, policy.maxCallsToEnd);
  const asking = !context.yes && interactive() && (count > 0 || unseenNative);
  if (context.output === 'table' || asking) {
    const kind = unseenNative ? 'stale Compatibility call(s)' : 'stale call(s)';
    context.note(context.errStyle.bold(`${stale.length} ${kind} on ${where}`));
    if (stale.length > 0)
      context.note(callsTable(stale.slice(0, PREVIEW_ROWS), context.errStyle, now, process.stderr));
    if (stale.length > PREVIEW_ROWS) context.note(`... and ${stale.length - PREVIEW_ROWS} more`);
    if (stale.length > count)
      context.note(
        `The circuit breaker (--max-calls ${policy.maxCallsToEnd}) ends at most ${count} of them.`,
      );
    if (unseenNative)
      context.note(
        `Native calls (SWML, AI agents) are not in this preview: their age is judged by the function (an answered call's by its answer event in the voice logs). The run also ends the stale native calls the policy names, at most ${policy.maxCallsToEnd} calls in all.`,
      );
  }
  if (unseenNative) {
    const question = `End ${count} stale call(s) and the stale native calls the policy names?`;
    await confirm(question, String(count), context.yes);
    return { cap: policy.maxCallsToEnd, total: undefined };
  }
  if (count > 0) await confirm(`End ${count} stale call(s)?`, String(count), context.yes);
  return { cap: count, total: count };
};
