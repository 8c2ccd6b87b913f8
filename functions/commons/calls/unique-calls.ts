/**
 * One entry per call in a listing. SignalWire's pages may shift between two page reads (neither List Calls nor the
 * voice logs say their page token is a cursor: a call created meanwhile pushes the listing down, and the last call
 * of one page is read again first on the next), and a call may be listed by both APIs; a listing over either must
 * still show, count and act on each call once.
 */
import { MAX_CLOCK_SKEW_SECONDS } from '../platform/freshness.ts';
import { parseSignalWireDate } from '../signalwire/dates.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import { type CallView, isFinalStatus } from '../signalwire/types.ts';

/** The key of a call in a listing: its id in the one form every path uses (UUIDs, any case). */
export const callKey = (call: Pick<CallView, 'sid'>): string => canonicalSid(call.sid);

type Reading = Pick<CallView, 'status' | 'date_updated'>;

const isEnded = (call: Reading): boolean => call.status !== null && isFinalStatus(call.status);

/**
 * A reading's `date_updated` as epoch ms, or undefined when it cannot be trusted to order two readings: not a
 * string (SignalWire's answer is not checked for it), not a date, or later than the clock allows (a date far
 * ahead would make a stale reading win every comparison).
 */
const updatedMs = (call: Reading, nowMs: number): number | undefined => {
  if (typeof call.date_updated !== 'string') return undefined;
  const ms = parseSignalWireDate(call.date_updated);
  return ms !== undefined && ms <= nowMs + MAX_CLOCK_SKEW_SECONDS * 1000 ? ms : undefined;
};

/**
 * The fresher of two readings of one call: an ended one over a live one (a call never comes back from its end,
 * whatever the dates say); else the later `date_updated`; on a tie, or a date that cannot be trusted
 * ({@link updatedMs}), the later reading (a native call's view carries its creation there, so the later reading
 * decides for it).
 */
export const fresherReading = <T extends Reading>(earlier: T, later: T, nowMs = Date.now()): T => {
  if (isEnded(earlier) !== isEnded(later)) return isEnded(earlier) ? earlier : later;
  const before = updatedMs(earlier, nowMs);
  const after = updatedMs(later, nowMs);
  return before !== undefined && after !== undefined && before > after ? earlier : later;
};

/**
 * The calls with each call once, where it was first listed (the order stays newest first), as its freshest
 * reading ({@link fresherReading}); `calls` in the order they were read.
 */
export const uniqueCalls = <T extends Pick<CallView, 'sid' | 'status' | 'date_updated'>>(
  calls: readonly T[],
): T[] => {
  const nowMs = Date.now();
  const positions = new Map<string, number>();
  const unique: T[] = [];
  for (const call of calls) {
    const key = callKey(call);
    const position = positions.get(key);
    if (position === undefined) {
      positions.set(key, unique.length);
      unique.push(call);
    } else {
      unique[position] = fresherReading(unique[position] as T, call, nowMs);
    }
  }
  return unique;
};
