/** SignalWire's dates: RFC 2822 in GMT, e.g. `Wed, 19 Sep 2018 20:00:00 +0000`. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const RFC_2822 =
  /^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? ([+-]\d{4}|GMT|UT)$/;

/**
 * A UTC offset that exists: at most 14 hours (the widest in use, UTC+14 and UTC-12) and 0-59 minutes.
 * `+2500` or `-9959` is no offset, and is refused rather than read as a shift of days.
 */
const MAX_OFFSET_MINUTES = 14 * 60;
const isOffset = (hours: number, minutes: number): boolean =>
  minutes <= 59 && hours * 60 + minutes <= MAX_OFFSET_MINUTES;

/**
 * Years a date may fall in, written and as an instant in UTC: four digits, as RFC 2822 writes them.
 * `0000-01-01T00:00:00+14:00` is an instant in year -1, which no RFC 2822 date can say; `01 Jan 0099` would
 * be read by `Date.UTC` as 1999. Such dates are refused (undefined), never guessed.
 */
export const MIN_YEAR = 1000;
export const MAX_YEAR = 9999;
/** The first instant of year MIN_YEAR, `Date.UTC(1000, 0, 1)`, and the first after MAX_YEAR, `Date.UTC(10000, 0, 1)`. */
const FIRST_INSTANT = -30_610_224_000_000;
const END_INSTANT = 253_402_300_800_000;
/** By comparisons only, no Date: this runs for every listed call of a cleanup. */
const inYears = (year: number, epochMs: number): boolean =>
  year >= MIN_YEAR &&
  // Stryker disable next-line ConditionalExpression: both grammars write a year in 4 digits, never above it
  year <= MAX_YEAR &&
  epochMs >= FIRST_INSTANT &&
  epochMs < END_INSTANT;

/**
 * Parses a SignalWire date (RFC 2822, e.g. `Wed, 19 Sep 2018 20:00:00 +0000`) to epoch ms, strictly: the
 * exact grammar, numeric or GMT/UT zones only, a day that exists in its month, a weekday (when given) that
 * matches the date. Anything else is undefined, never a guess: `Date.parse` would read `2018-09-19` or
 * `Sep 19` as some instant, and a reaper that guesses an age ends live conversations.
 */
export const parseSignalWireDate = (value: string): number | undefined => {
  const match = RFC_2822.exec(value.trim());
  if (!match) return undefined;
  // By index, not destructured: destructuring walks the match through the array iterator, for every listed call.
  // The defaults are for the types only: the grammar always captures a month and a zone, and Number('') is 0
  // as Number('00') is.
  const weekday = match[1];
  const dayText = match[2];
  // Stryker disable next-line StringLiteral: no caller can observe this default (above)
  const month = match[3] ?? '';
  const yearText = match[4];
  const hourText = match[5];
  const minuteText = match[6];
  // Stryker disable next-line StringLiteral: no caller can observe these defaults (above)
  const secondText = match[7] ?? '00';
  // Stryker disable next-line StringLiteral: no caller can observe this default (above)
  const zone = match[8] ?? '';
  // One Number() each, not an array mapped: this runs for every listed call of a cleanup.
  const year = Number(yearText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(3, 5));
  const numericZone = zone !== 'GMT' && zone !== 'UT';
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  if (numericZone && !isOffset(offsetHours, offsetMinutes)) return undefined;
  const monthIndex = MONTHS.indexOf(month);
  // The day and weekday checked by arithmetic, not through Date objects: this runs for every listed call of a
  // cleanup. (Years 0–99, which Date.UTC reads as 19xx, are below MIN_YEAR and refused by inYears below.)
  const midnight = Date.UTC(year, monthIndex, day);
  // Day 0 too (the grammar takes `00`): Date.UTC would read it as the last day of the month before.
  if (day < 1 || day > daysInMonth(year, monthIndex)) return undefined;
  if (weekday !== undefined && WEEKDAYS[weekdayOf(midnight)] !== weekday) return undefined;
  const utc = midnight + ((hour * 60 + minute) * 60 + second) * 1000;
  const offsetMs = numericZone ? (offsetHours * 60 + offsetMinutes) * 60_000 : 0;
  const instant = zone.startsWith('-') ? utc + offsetMs : utc - offsetMs;
  return inYears(year, instant) ? instant : undefined;
};

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Days in a month of the proleptic Gregorian calendar (the one `Date.UTC` counts in). */
const daysInMonth = (year: number, monthIndex: number): number =>
  monthIndex === 1 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
    ? 29
    : (DAYS_IN_MONTH[monthIndex] as number);
/** The weekday (0 = Sunday) of a UTC midnight: 1 January 1970 was a Thursday. */
const weekdayOf = (midnightMs: number): number => (((Math.floor(midnightMs / 86_400_000) + 4) % 7) + 7) % 7;

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses a date filter as a caller may write it: RFC 2822 as SignalWire writes dates, or ISO 8601 (a date,
 * or a date and time with an optional offset; no offset means UTC, a date alone its midnight UTC). Checked
 * field by field, since `Date.parse` also takes "1" or "March 7" and rolls 2024-02-30 over into March.
 * Undefined when the value is not such a date.
 */
export const parseFilterDate = (value: string): number | undefined => {
  const rfc2822 = parseSignalWireDate(value);
  if (rfc2822 !== undefined) return rfc2822;
  const match = ISO_8601.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map((part) => Number(part ?? 0));
  const fraction = match[7] === undefined ? 0 : Math.floor(Number(match[7]) * 1000);
  const zone = match[8];
  const date = new Date(Date.UTC(year!, month! - 1, day));
  date.setUTCFullYear(year!);
  // A day or month that does not exist rolls into another month (2024-02-30 is 1 March, 2024-13-01 January 2025).
  if (
    date.getUTCMonth() !== month! - 1 ||
    // Stryker disable next-line ConditionalExpression: a day 00-99 that rolls over always changes the month too
    date.getUTCDate() !== day
  )
    return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMs = 0;
  // No zone, or Z, is UTC.
  if (
    zone !== undefined &&
    // Stryker disable next-line ConditionalExpression,StringLiteral: 'Z' through this branch is offset 0 all the same
    zone !== 'Z'
  ) {
    const digits = zone.slice(1).replace(':', '');
    const [offsetHours, offsetMinutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2, 4))];
    if (!isOffset(offsetHours, offsetMinutes)) return undefined;
    offsetMs = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  const instant = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + fraction - offsetMs;
  return inYears(year!, instant) ? instant : undefined;
};

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** An instant as SignalWire writes and documents dates: RFC 2822 in GMT, `Wed, 19 Sep 2018 20:00:00 +0000`. */
export const toSignalWireDate = (epochMs: number): string => {
  const date = new Date(epochMs);
  return (
    `${WEEKDAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ` +
    `${pad(date.getUTCFullYear(), 4)} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:` +
    `${pad(date.getUTCSeconds())} +0000`
  );
};
