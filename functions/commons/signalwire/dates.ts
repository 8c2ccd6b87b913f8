/** SignalWire's dates: RFC 2822 in GMT, e.g. `Wed, 19 Sep 2018 20:00:00 +0000`. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const RFC_2822 =
  /^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? ([+-]\d{4}|GMT|UT)$/;

/**
 * Parses a SignalWire date (RFC 2822, e.g. `Wed, 19 Sep 2018 20:00:00 +0000`) to epoch ms, strictly: the
 * exact grammar, numeric or GMT/UT zones only, a day that exists in its month, a weekday (when given) that
 * matches the date. Anything else is undefined, never a guess: `Date.parse` would read `2018-09-19` or
 * `Sep 19` as some instant, and a reaper that guesses an age ends live conversations.
 */
export const parseSignalWireDate = (value: string): number | undefined => {
  const match = RFC_2822.exec(value.trim());
  if (!match) return undefined;
  const [, weekday, dayText, month = '', yearText, hourText, minuteText, secondText = '00', zone = ''] =
    match;
  const [year, day, hour, minute, second] = [yearText, dayText, hourText, minuteText, secondText].map(Number);
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(3, 5));
  if (hour! > 23 || minute! > 59 || second! > 60 || offsetMinutes > 59) return undefined;
  const monthIndex = MONTHS.indexOf(month);
  const date = new Date(Date.UTC(year!, monthIndex, day));
  if (date.getUTCDate() !== day || date.getUTCMonth() !== monthIndex) return undefined;
  if (weekday !== undefined && WEEKDAYS[date.getUTCDay()] !== weekday) return undefined;
  const utc = Date.UTC(year!, monthIndex, day, hour, minute, second);
  if (zone === 'GMT' || zone === 'UT') return utc;
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000;
  return zone.startsWith('-') ? utc + offsetMs : utc - offsetMs;
};
