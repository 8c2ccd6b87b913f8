/**
 * One entry per call in a listing. SignalWire's pages may shift between two page reads (neither List Calls nor the
 * voice logs say their page token is a cursor: a call created meanwhile pushes the listing down, and the last call
 * of one page is read again first on the next), and a call may be listed by both APIs; a listing over either must
 * still show, count and act on each call once.
 */
import { parseSignalWireDate } from '../signalwire/dates.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import type { CallView } from '../signalwire/types.ts';

/** The key of a call in a listing: its id in the one form every path uses (UUIDs, any case). */
export const callKey = (call: Pick<CallView, 'sid'>): string => canonicalSid(call.sid);

/**
 * The fresher of two readings of one call: the later `date_updated`; on a tie, or a date that cannot be read, the
 * later reading (a native call's view carries its creation there, so the later reading decides for it).
 */
export const fresherReading = <T extends Pick<CallView, 'date_updated'>>(earlier: T, later: T): T => {
  const before = parseSignalWireDate(earlier.date_updated);
  const after = parseSignalWireDate(later.date_updated);
  return before !== undefined && after !== undefined && before > after ? earlier : later;
};

/**
 * The calls with each call once, where it was first listed (the order stays newest first), as its freshest
 * reading ({@link fresherReading}); `calls` in the order they were read.
 */
export const uniqueCalls = <T extends Pick<CallView, 'sid' | 'date_updated'>>(calls: readonly T[]): T[] => {
  const positions = new Map<string, number>();
  const unique: T[] = [];
  for (const call of calls) {
    const key = callKey(call);
    const position = positions.get(key);
    if (position === undefined) {
      positions.set(key, unique.length);
      unique.push(call);
    } else {
      unique[position] = fresherReading(unique[position] as T, call);
    }
  }
  return unique;
};
