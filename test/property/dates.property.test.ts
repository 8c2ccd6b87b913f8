import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_YEAR, MIN_YEAR, parseFilterDate, parseSignalWireDate } from '#commons/signalwire/dates';
import { dateViolations, toSignalWireFilter } from '#commons/signalwire/list-query-params';

/**
 * Finding 6 of issue 17: dates outside years 1000–9999 were accepted and sent as nonsense
 * (`StartTime>=Fri, 31 Dec 00-1 …`), and SignalWire's `01 Jan 0099` was read as 1999. For any instant in years
 * 0 to 10999 and any offset SignalWire or a caller may write: a date is accepted exactly when both the year
 * written and the instant's UTC year are within the bounds; what is accepted is sent in RFC 2822 GMT that
 * reads back as the same instant; what is refused is refused by the filter's name.
 */

const SEED = Number(process.env.FC_SEED ?? 20_261_206);
const RUNS = 3000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Wall-clock fields of any day in years 0–10999, bounds and their neighbours often. */
const wallClock = fc
  .record({
    year: fc.oneof(
      fc.integer({ min: 0, max: 10_999 }),
      fc.constantFrom(0, 99, 999, 1000, 1001, 1999, 9998, 9999, 10_000),
    ),
    month: fc.integer({ min: 0, max: 11 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
  })
  .map((fields) => {
    const date = new Date(Date.UTC(2000, fields.month, fields.day, fields.hour, fields.minute));
    date.setUTCFullYear(fields.year);
    return { ...fields, date };
  });
const offsetMinutes = fc.oneof(fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.constantFrom(-840, 0, 840));
const zone = (minutes: number, colon: boolean) =>
  `${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}${colon ? ':' : ''}${pad(Math.abs(minutes) % 60)}`;

const withinBounds = (year: number, instant: number) => {
  const utcYear = new Date(instant).getUTCFullYear();
  return year >= MIN_YEAR && year <= MAX_YEAR && utcYear >= MIN_YEAR && utcYear <= MAX_YEAR;
};

describe('date bounds (years 1000 to 9999)', () => {
  it(`hold for ISO 8601 filters with any offset (seed ${SEED})`, () => {
    fc.assert(
      fc.property(wallClock, offsetMinutes, ({ year, month, day, hour, minute, date }, offset) => {
        const text = `${pad(year, 4)}-${pad(month + 1)}-${pad(day)}T${pad(hour)}:${pad(minute)}:00${zone(offset, true)}`;
        const instant = date.getTime() - offset * 60_000;
        const accepted = year <= 9999 && withinBounds(year, instant);
        expect(parseFilterDate(text), text).toBe(accepted ? instant : undefined);
        if (accepted) {
          const sent = toSignalWireFilter({ startTimeAfter: text })['StartTime>'] ?? '';
          expect(sent, text).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
          expect(parseSignalWireDate(sent), text).toBe(instant);
        } else {
          expect(dateViolations({ startTimeAfter: text }), text).toEqual([
            expect.objectContaining({ field: 'startTimeAfter', rule: 'date' }),
          ]);
          expect(() => toSignalWireFilter({ startTimeAfter: text }), text).toThrow(/startTimeAfter must be/);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`hold for SignalWire's RFC 2822 dates, never read with a two-digit year (seed ${SEED})`, () => {
    fc.assert(
      fc.property(wallClock, offsetMinutes, ({ year, month, day, hour, minute, date }, offset) => {
        const text =
          `${WEEKDAYS[date.getUTCDay()]}, ${pad(day)} ${MONTHS[month]} ${pad(year, 4)} ` +
          `${pad(hour)}:${pad(minute)}:00 ${zone(offset, false)}`;
        const instant = date.getTime() - offset * 60_000;
        const accepted = year <= 9999 && withinBounds(year, instant);
        expect(parseSignalWireDate(text), text).toBe(accepted ? instant : undefined);
        if (accepted) expect(new Date(parseSignalWireDate(text) ?? 0).getUTCFullYear()).toBeGreaterThan(999);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  /**
   * parseSignalWireDate checks the day of the month and the weekday by arithmetic (it runs for every listed call
   * of a cleanup); a `Date` says what they are. Any day 0–31 of any month and year, any weekday or none.
   */
  it(`checks days and weekdays as the calendar of Date does (seed ${SEED})`, () => {
    const fields = fc.record({
      year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1000, 1900, 2000, 2024, 2100, 9999)),
      // February and the last days of months often: leap years and days a month does not have.
      month: fc.oneof(fc.integer({ min: 0, max: 11 }), fc.constant(1)),
      // Day 0 too: the grammar takes `00`, which `Date.UTC` would read as the last day of the month before.
      day: fc.oneof(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 28, max: 31 }), fc.constant(0)),
      weekday: fc.option(fc.integer({ min: 0, max: 6 })),
      second: fc.integer({ min: 0, max: 60 }),
      offset: offsetMinutes,
    });
    fc.assert(
      fc.property(fields, ({ year, month, day, weekday, second, offset }) => {
        const text =
          `${weekday === null ? '' : `${WEEKDAYS[weekday]}, `}${pad(day)} ${MONTHS[month]} ${pad(year, 4)} ` +
          `13:07:${pad(second)} ${zone(offset, false)}`;
        const midnight = new Date(Date.UTC(2000, month, day));
        midnight.setUTCFullYear(year, month, day);
        const exists = midnight.getUTCDate() === day && midnight.getUTCMonth() === month;
        const instant = midnight.getTime() + (13 * 3600 + 7 * 60 + second) * 1000 - offset * 60_000;
        const accepted =
          exists && (weekday === null || midnight.getUTCDay() === weekday) && withinBounds(year, instant);
        expect(parseSignalWireDate(text), text).toBe(accepted ? instant : undefined);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
