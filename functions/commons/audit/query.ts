import { AUDIT_MESSAGE, type AuditRecord } from '../calls/audit.ts';
import type { FieldViolation } from '../errors.ts';
import { queryUtf8Violations } from '../http/utf8-input.ts';
import { MAX_ECHOED_NAME_CHARS } from '../platform/settings.ts';
import { canonicalSid, isSid } from '../signalwire/sids.ts';

/**
 * The audit search's query: checked from a query string (each refusal names its field) and turned into a Logs
 * Insights query whose every value is a JSON string literal, so a filter cannot change the query's meaning.
 */

/** An audit record with the time CloudWatch Logs holds for it. */
export interface AuditEntry {
  timestamp: string;
  audit: AuditRecord;
}

export interface AuditQuery {
  callSid?: string;
  actor?: string;
  trigger?: string;
  from: number;
  to: number;
  limit: number;
}

const TRIGGERS = ['http', 'schedule', 'event', 'cli'];
/** The filters the search takes: any other name (`call`, `callsid`) would otherwise widen it silently to every record. */
const FILTERS = ['callSid', 'actor', 'trigger', 'since', 'until', 'limit'];
const DAY_MS = 86_400_000;
const MAX_WINDOW_MS = 31 * DAY_MS;
type QueryRead<T> = { ok: true; query: T } | ({ ok: false } & FieldViolation);
const fail = (field: string, rule: string, message: string) => ({
  ok: false as const,
  field,
  rule,
  message,
});

/**
 * The checks every console-api search makes of its query string before reading a value (`rawQueryString` as sent:
 * for repeated names, and for percent-encoded bytes that are not UTF-8, which API Gateway's decoded values carry as
 * U+FFFD): each refusal names its field and rule, as the operator API's do.
 */
const namesViolation = (
  query: Record<string, string | undefined>,
  rawQueryString: string,
  allowed: readonly string[],
): ({ ok: false } & FieldViolation) | undefined => {
  const [notUtf8] = queryUtf8Violations(rawQueryString);
  if (notUtf8 !== undefined) return { ok: false, ...notUtf8 };
  const unknown = Object.keys(query).find((name) => !allowed.includes(name));
  if (unknown !== undefined) {
    const field = unknown.slice(0, MAX_ECHOED_NAME_CHARS);
    return fail(field, 'unknown-field', `${field} is not a known filter; allowed: ${allowed.join(', ')}`);
  }
  // API Gateway joins a repeated parameter's values with commas: one made-up filter, so it is refused.
  const names = [...new URLSearchParams(rawQueryString).keys()];
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    const field = repeated.slice(0, MAX_ECHOED_NAME_CHARS);
    return fail(field, 'type', `${field} must be given once`);
  }
  return undefined;
};

/** `limit` as an integer from 1 to `max`, `fallback` when absent; undefined when it is not one. */
const limitOf = (value: string | undefined, fallback: number, max: number): number | undefined => {
  if (value === undefined) return fallback;
  const limit = Number(value);
  return /^\d{1,4}$/.test(value) && limit >= 1 && limit <= max ? limit : undefined;
};

/** Checks the audit search's query string; every refusal names its field and rule. */
export const readAuditQuery = (
  query: Record<string, string | undefined>,
  now: number,
  rawQueryString = '',
): QueryRead<AuditQuery> => {
  const badName = namesViolation(query, rawQueryString, FILTERS);
  if (badName !== undefined) return badName;
  const callSid = query.callSid;
  if (callSid !== undefined && !isSid(callSid))
    return fail('callSid', 'sid', 'callSid must be a call SID (a UUID)');
  const actor = query.actor;
  if (actor !== undefined && (actor.length < 1 || actor.length > 256 || /[\p{Cc}]/u.test(actor)))
    return fail('actor', 'format', 'actor must be 1 to 256 characters without control characters');
  const trigger = query.trigger;
  if (trigger !== undefined && !TRIGGERS.includes(trigger))
    return fail('trigger', 'enum', `trigger must be one of ${TRIGGERS.join(', ')}`);
  const to = query.until === undefined ? now : Date.parse(query.until);
  if (Number.isNaN(to)) return fail('until', 'date', 'until must be an ISO 8601 date');
  const from = query.since === undefined ? to - DAY_MS : Date.parse(query.since);
  if (Number.isNaN(from)) return fail('since', 'date', 'since must be an ISO 8601 date');
  if (from > to) return fail('since', 'range', 'since must not be after until');
  if (to - from > MAX_WINDOW_MS)
    return fail('since', 'range', 'the window from since to until is at most 31 days');
  const limit = limitOf(query.limit, 100, 1000);
  if (limit === undefined) return fail('limit', 'range', 'limit must be an integer from 1 to 1000');
  return {
    ok: true,
    query: {
      ...(callSid ? { callSid: canonicalSid(callSid) } : {}),
      ...(actor ? { actor } : {}),
      ...(trigger ? { trigger } : {}),
      from,
      to,
      limit,
    },
  };
};

/** How many cleanup reports `GET /console-api/cleanup/runs` answers: `limit`, 20 unless asked. */
export interface CleanupRunsQuery {
  limit: number;
}

/** The cleanup runs' only parameter; any other name (`since`, `cursor`) is refused rather than ignored. */
const CLEANUP_RUNS_FILTERS = ['limit'];
export const MAX_CLEANUP_RUNS = 100;

/** Checks the cleanup runs' query string, as the audit search's is checked. */
export const readCleanupRunsQuery = (
  query: Record<string, string | undefined>,
  rawQueryString = '',
): QueryRead<CleanupRunsQuery> => {
  const badName = namesViolation(query, rawQueryString, CLEANUP_RUNS_FILTERS);
  if (badName !== undefined) return badName;
  const limit = limitOf(query.limit, 20, MAX_CLEANUP_RUNS);
  if (limit === undefined)
    return fail('limit', 'range', `limit must be an integer from 1 to ${MAX_CLEANUP_RUNS}`);
  return { ok: true, query: { limit } };
};

/** The Logs Insights query for `query`: every value a JSON string literal. */
export const insightsQuery = (query: AuditQuery): string =>
  [
    'fields @timestamp, @message',
    `| filter message = ${JSON.stringify(AUDIT_MESSAGE)}`,
    ...(query.callSid ? [`| filter audit.callSid = ${JSON.stringify(query.callSid)}`] : []),
    ...(query.actor ? [`| filter audit.actor.name like ${JSON.stringify(query.actor)}`] : []),
    ...(query.trigger ? [`| filter audit.trigger = ${JSON.stringify(query.trigger)}`] : []),
    '| sort @timestamp desc',
    `| limit ${query.limit}`,
  ].join('\n');
