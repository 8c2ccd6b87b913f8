/**
 * Bench only: the cleanup's required-work floor's reading of a call's `start_time` (bench/cleanup-required-work.ts).
 * README's cleanup contract: a call "whose age cannot be established (... a date that does not parse) is never
 * ended by age", and SignalWire's dates are RFC 2822 (`Wed, 19 Sep 2018 20:00:00 +0000`). `Date.parse` reads far
 * more than that (`2018-09-19`, `Sep 19 2018`, a day 31 of a 30-day month rolled over) as some instant, and an age
 * guessed from such a date ends a live call: the floor must refuse what the project refuses, so it parses as
 * strictly, by hand, with no import of the project's parser (functions/commons/signalwire/dates.ts), which
 * test/unit/bench-cleanup-floor.test.ts sets it against.
 */

const RFC_2822 =
  /^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? ([+-]\d{4}|GMT|UT)$/;
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const WEEKDAYS = 'SunMonTueWedThuFriSat';
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Epoch ms of an RFC 2822 date, NaN when it is none: the exact grammar (surrounding whitespace aside), numeric
 * zones of at most ±14:00 or GMT/UT, hours to 23, minutes to 59, seconds to 60, a day that exists in its month, a
 * weekday (when given) that is the date's, years 1000 to 9999 written and as an instant in UTC.
 */
export const rfc2822Ms = (value: string): number => {
  const match = RFC_2822.exec(value.trim());
  if (match === null) return Number.NaN;
  // By index: destructuring walks the match through the array iterator, for every listed call.
  const weekday = match[1];
  const zone = match[8] ?? '';
  const year = Number(match[4]);
  const month = MONTHS.indexOf(match[3] ?? '') / 3;
  const day = Number(match[2]);
  const hour = Number(match[5]);
  const minute = Number(match[6]);
  const second = Number(match[7] ?? 0);
  const numeric = zone !== 'GMT' && zone !== 'UT';
  const offsetMinutes = numeric ? Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3)) : 0;
  if (hour > 23 || minute > 59 || second > 60 || Number(zone.slice(3)) > 59 || offsetMinutes > 14 * 60) {
    return Number.NaN;
  }
  const leap = month === 1 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day < 1 || day > (DAYS_IN_MONTH[month] as number) + (leap ? 1 : 0)) return Number.NaN;
  const midnight = Date.UTC(year, month, day);
  // 1 January 1970 was a Thursday.
  const weekdayIndex = (((Math.floor(midnight / 86_400_000) + 4) % 7) + 7) % 7;
  if (weekday !== undefined && WEEKDAYS.indexOf(weekday) / 3 !== weekdayIndex) return Number.NaN;
  const instant =
    midnight +
    ((hour * 60 + minute) * 60 + second) * 1000 -
    (zone[0] === '-' ? -1 : 1) * offsetMinutes * 60_000;
  // Date.UTC(1000, 0, 1) and Date.UTC(10000, 0, 1).
  return year >= 1000 && instant >= -30_610_224_000_000 && instant < 253_402_300_800_000
    ? instant
    : Number.NaN;
};
