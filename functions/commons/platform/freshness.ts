/**
 * How old a delivery may be for its exactly-once record to be certain to exist, derived from how long records
 * are kept. One rule for both remembered paths: "Call Update Requested" events (the idempotency window) and
 * status callbacks (the replay window).
 *
 * A record is written when a delivery is first processed, and kept for `windowSeconds` from then (Powertools
 * writes `expiration` = now + window, rounded to the second, and reads a record past it as gone, whether or not
 * DynamoDB's lazy TTL deleted it yet). The first processing cannot precede the delivery's own time by more than
 * the clock tolerance (a later one is refused as from the future), so a delivery whose time is at most
 * `window − 2 × tolerance` old finds its record if there is one: one tolerance for a time written ahead of our
 * clock, one for the second lost to rounding and for the clocks of EventBridge, the producer and Lambda.
 */

/** The clock tolerance: 5 minutes, or a tenth of the window when that is shorter (a 1-minute window: 6 s). */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export interface Freshness {
  /** How far ahead of this function's clock a delivery's time may be. */
  toleranceSeconds: number;
  /** How old a delivery may be and still be applied (or published). */
  maxAgeSeconds: number;
}

/** The freshness limits of a window of `windowSeconds` (at least 60, as the configuration enforces). */
export const freshnessOf = (windowSeconds: number): Freshness => {
  const toleranceSeconds = Math.min(MAX_CLOCK_SKEW_SECONDS, Math.floor(windowSeconds / 10));
  return { toleranceSeconds, maxAgeSeconds: windowSeconds - 2 * toleranceSeconds };
};

/**
 * The shortest idempotency window under which no first delivery of an event is refused as too old: EventBridge
 * retries it for up to `maxEventAge`, then Lambda's queue and retries for up to `maxEventAge` more, and all of it
 * must stay within the window less twice the clock tolerance. The construct checks it at synth, the event
 * function at cold start (for values given as deploy-time tokens).
 */
export const shortestIdempotencyTtl = (maxEventAgeSeconds: number): number => {
  let ttl = 2 * maxEventAgeSeconds;
  while (freshnessOf(ttl).maxAgeSeconds < 2 * maxEventAgeSeconds) ttl++;
  return ttl;
};

/** Where a time falls against the limits, seen at `now`. */
export type Placement = 'fresh' | 'too-old' | 'in-future';

export const placeTime = (timeMs: number, nowMs: number, freshness: Freshness): Placement => {
  if (timeMs > nowMs + freshness.toleranceSeconds * 1000) return 'in-future';
  if (nowMs - timeMs > freshness.maxAgeSeconds * 1000) return 'too-old';
  return 'fresh';
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * An RFC 3339 date-time (EventBridge's `time`: `2026-12-06T21:05:00Z`) in milliseconds since the epoch;
 * undefined for anything else, a date that does not exist (`2026-02-30`) included, and one outside the years
 * 0000 to 9999 once read in UTC.
 */
export const parseRfc3339 = (value: unknown): number | undefined => {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over to March 2: the date as written must be the one parsed (read in the
  // offset it was written with).
  const offset = /(?:Z|([+-])(\d{2}):(\d{2}))$/i.exec(value);
  const offsetMs =
    offset?.[1] === undefined
      ? 0
      : (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000;
  if (new Date(ms + offsetMs).toISOString().slice(0, 10) !== value.slice(0, 10)) return undefined;
  // In UTC it must still be a year 0000 to 9999: `0000-01-01T00:00:00+01:00` is 1 BC, which ISO 8601 writes
  // with a sign and six digits, and RFC 3339 (the published `eventTime`'s format) cannot write at all.
  return /^\d{4}-/.test(new Date(ms).toISOString()) ? ms : undefined;
};

/**
 * A "Call Update Requested" event older than the window in which its idempotency record is certain to exist
 * (an archive replay, a dead-letter queue redrive, a late retry): applying it could apply it a second time.
 * Nothing was sent to SignalWire. Final: the same event is only older later; a new event applies it.
 */
export class EventTooOldError extends Error {
  override readonly name = 'EventTooOldError';

  constructor(
    /** The event's `time`, as EventBridge delivered it. */
    readonly eventTime: string,
    /** How old an event may be (the idempotency window less the clock tolerances). */
    readonly maxEventAgeSeconds: number,
    /** How old it was when it arrived. */
    ageSeconds: number,
  ) {
    super(
      `the event's time ${eventTime} is ${ageSeconds} s old, more than the ${maxEventAgeSeconds} s within which ` +
        'its exactly-once record is certain to exist; this delivery was not applied, but the request may have been ' +
        'when first delivered: check the call and its audit records before publishing it again as a new event',
    );
  }
}
