import type { FieldViolation } from '../errors.ts';
import { EventTooOldError, type Freshness, parseRfc3339, placeTime } from '../platform/freshness.ts';

/**
 * The check of a "Call Update Requested" event's EventBridge `time` against the idempotency window, before
 * anything else reads the request. EventBridge writes `time` on every event it delivers (the producer's
 * `PutEvents` `Time`, or the time of the `PutEvents` call), and an archive replay delivers the event with that
 * same `time`: the replay selects the archived events by it. So `time` says how long ago the request was first
 * on the bus, whatever path (retry, redrive, replay) brought it back, and therefore whether its idempotency
 * record, written when it was first processed, is certain to exist still.
 *
 * - absent or not an RFC 3339 date-time: only a hand-written event (a direct invoke of the function) lacks one;
 *   refused as `INVALID_REQUEST` naming `time`, since it cannot be placed in the window;
 * - more than the clock tolerance ahead of this function's clock: `INVALID_REQUEST` (rule `future`); accepting
 *   it would let its record expire before its `time` says it should;
 * - older than the window less twice the tolerance: `EVENT_TOO_OLD`.
 */

/** Violations of `time` (absent, unreadable, in the future); the time in milliseconds when there are none. */
export const eventTimeViolations = (
  event: unknown,
  now: Date,
  freshness: Freshness,
): { violations: FieldViolation[]; timeMs?: number } => {
  const time = typeof event === 'object' && event !== null ? (event as { time?: unknown }).time : undefined;
  if (time === undefined || time === null) {
    return {
      violations: [
        {
          field: 'time',
          rule: 'required',
          message:
            'time is required: EventBridge sets it on every event; without it the event cannot be placed in the idempotency window',
        },
      ],
    };
  }
  const timeMs = parseRfc3339(time);
  if (timeMs === undefined) {
    return {
      violations: [{ field: 'time', rule: 'format', message: 'time must be an RFC 3339 date-time' }],
    };
  }
  if (placeTime(timeMs, now.getTime(), freshness) === 'in-future') {
    return {
      violations: [
        {
          field: 'time',
          rule: 'future',
          message: `time ${new Date(timeMs).toISOString()} is more than ${freshness.toleranceSeconds} s ahead of this function's clock (${now.toISOString()})`,
        },
      ],
    };
  }
  return { violations: [], timeMs };
};

/** The refusal of an event older than the window (its time already checked), or undefined when it is fresh. */
export const eventTooOld = (timeMs: number, now: Date, freshness: Freshness): EventTooOldError | undefined =>
  placeTime(timeMs, now.getTime(), freshness) === 'too-old'
    ? new EventTooOldError(
        new Date(timeMs).toISOString(),
        freshness.maxAgeSeconds,
        // Rounded up: just past the limit is never "as old as the limit".
        Math.ceil((now.getTime() - timeMs) / 1000),
      )
    : undefined;
