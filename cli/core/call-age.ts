import type { NativeCallsApi } from '#commons/calls/port';
import { apiOf, type ListedCall } from './backend.ts';
import { ageSecondsOf } from './calls-view.ts';
import type { GlobalOptions } from './options.ts';
import { openSignalWire, targetKind } from './targets.ts';

/**
 * A call's age for `--older-than`: the call as judged (an answered native call with its answer time as
 * `start_time`, so the preview shows when it started), or why its age is unknown.
 */
export type CallAge =
  | { call: ListedCall; ageSeconds: number }
  | { unknown: 'no start time' | 'native, deployed' };

/**
 * Ages calls as the scheduled cleanup does. A Compatibility call, and a queued or ringing native one, by its
 * own times (`start_time` once answered, else `date_created`). An answered native call lists no answer time:
 * its age is read from its voice-log answer event through the cleanup engine's own rule, and only when its
 * creation (an upper bound: a call is created before it is answered) already makes it old enough. Reading the
 * voice logs takes the SignalWire secret, which `--local` and `--direct` hold; through the deployed API the
 * CLI has none, so an old answered native call's age stays unknown there, and is said so.
 */
export const createCallAger = (globals: GlobalOptions, nowMs: number) => {
  let native: Promise<NativeCallsApi> | undefined;
  // The engine's module, which `cleanup` loads anyway: no chunk of its own, and nothing `--help` loads.
  const engine = () => import('#commons/cleanup/run-cleanup');
  return async (call: ListedCall, olderThanSeconds: number): Promise<CallAge> => {
    const own = ageSecondsOf(call, nowMs);
    if (own !== undefined) return { call, ageSeconds: own };
    if (apiOf(call) !== 'calling' || call.status !== 'in-progress') return { unknown: 'no start time' };
    const { agedByCreation, withAnswerTime } = await engine();
    const atMost = ageSecondsOf(agedByCreation(call), nowMs);
    if (atMost === undefined) return { unknown: 'no start time' };
    // Younger than the limit whenever it was answered: no read needed, and never unknown.
    if (atMost < olderThanSeconds) return { call, ageSeconds: atMost };
    if (targetKind(globals) === 'deployed') return { unknown: 'native, deployed' };
    native ??= openSignalWire(globals).then((access) => access.native());
    const answered = await withAnswerTime(await native, call, {});
    if ('unknownAge' in answered) return { unknown: 'no start time' };
    const judged: ListedCall = { ...call, start_time: answered.call.start_time };
    const ageSeconds = ageSecondsOf(judged, nowMs);
    return ageSeconds === undefined ? { unknown: 'no start time' } : { call: judged, ageSeconds };
  };
};
