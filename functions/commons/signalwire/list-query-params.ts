import { type FieldViolation, RequestValidationError } from '../errors.ts';
import { parseFilterDate, toSignalWireDate } from './dates.ts';
import { canonicalSid } from './sids.ts';
import type { ListCallsFilter } from './types.ts';

/**
 * The one mapping from list filters to SignalWire's List Calls query. The HTTP API, a cursor's filters, the
 * cleanup and every CLI target (`--direct` included) send what this module makes of the same filters, so the
 * query SignalWire receives does not depend on the way in.
 */

/** List Calls filters as the operator API spells them (camelCase), and SignalWire's names for them. */
export const LIST_QUERY_TO_SIGNALWIRE = {
  status: 'Status',
  to: 'To',
  from: 'From',
  parentCallSid: 'ParentCallSid',
  startTime: 'StartTime',
  startTimeBefore: 'StartTime<',
  startTimeAfter: 'StartTime>',
  endTime: 'EndTime',
  endTimeBefore: 'EndTime<',
  endTimeAfter: 'EndTime>',
  pageSize: 'PageSize',
} as const satisfies Record<string, keyof ListCallsFilter>;

/** The date filters, which are also checked to be dates before anything is sent. */
export const DATE_FILTERS = [
  'startTime',
  'startTimeBefore',
  'startTimeAfter',
  'endTime',
  'endTimeBefore',
  'endTimeAfter',
] as const satisfies ReadonlyArray<keyof typeof LIST_QUERY_TO_SIGNALWIRE>;

/** List filters in the operator API's spelling, as a query string (or the CLI) gives them. */
export type ListFilters = { [K in keyof typeof LIST_QUERY_TO_SIGNALWIRE]?: string | number };

/** What a date filter must be, in the words every refusal uses. */
export const DATE_RULE = 'must be a date (RFC 2822 or ISO 8601, years 1000 to 9999, offset at most ±14:00)';

/** Date filters must be dates: SignalWire would refuse anything else, and nothing is sent to be refused. */
export const dateViolations = (filters: ListFilters): FieldViolation[] =>
  DATE_FILTERS.flatMap((name) => {
    const value = filters[name];
    return value === undefined || parseFilterDate(String(value)) !== undefined
      ? []
      : [{ field: name, rule: 'date', message: `${name} ${DATE_RULE}` }];
  });

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * The filters in SignalWire's names, dates rewritten in RFC 2822 GMT (the form SignalWire documents),
 * `parentCallSid` in its canonical form (SignalWire compares it case-sensitively). An exact `startTime` or
 * `endTime` given as a date alone means that whole UTC day (Twilio's reading): it is sent as the pair
 * `X>`=the day's midnight (inclusive) and `X<`=the next midnight (exclusive), tightening any bound also given.
 * @throws RequestValidationError naming each date filter that is not a date
 */
export const toSignalWireFilter = (filters: ListFilters): ListCallsFilter => {
  const violations = dateViolations(filters);
  if (violations.length > 0) throw new RequestValidationError(violations);
  const filter: Record<string, string | number> = {};
  const bounds: Record<string, number> = {};
  for (const [name, signalwire] of Object.entries(LIST_QUERY_TO_SIGNALWIRE)) {
    const value = filters[name as keyof typeof LIST_QUERY_TO_SIGNALWIRE];
    if (value === undefined) continue;
    const date = (DATE_FILTERS as readonly string[]).includes(name)
      ? parseFilterDate(String(value))
      : undefined;
    if (date !== undefined && DATE_ONLY.test(String(value)) && !/[<>]$/.test(signalwire)) {
      bounds[`${signalwire}>`] = Math.max(bounds[`${signalwire}>`] ?? date, date);
      bounds[`${signalwire}<`] = Math.min(bounds[`${signalwire}<`] ?? date + DAY_MS, date + DAY_MS);
      continue;
    }
    if (date !== undefined && /[<>]$/.test(signalwire)) {
      const tighter = signalwire.endsWith('>') ? Math.max : Math.min;
      bounds[signalwire] = bounds[signalwire] === undefined ? date : tighter(bounds[signalwire], date);
      continue;
    }
    filter[signalwire] =
      date !== undefined
        ? toSignalWireDate(date)
        : name === 'parentCallSid'
          ? canonicalSid(String(value))
          : name === 'pageSize'
            ? Number(value)
            : value;
  }
  for (const [signalwire, date] of Object.entries(bounds)) filter[signalwire] = toSignalWireDate(date);
  return filter as ListCallsFilter;
};
