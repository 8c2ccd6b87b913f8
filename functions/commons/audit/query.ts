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
/**
 * Checks the query string (`rawQueryString` as sent: for repeated names, and for percent-encoded bytes that are not
 * UTF-8, which API Gateway's decoded values carry as U+FFFD); every refusal names its field and rule, as the
 * operator API's do.
 */
export const readAuditQuery = (
  query: Record<string, string | undefined>,
  now: number,
  rawQueryString = '',
): { ok: true; query: AuditQuery } | ({ ok: false } & FieldViolation) => {
  const fail = (field: string, rule: string, message: string) => ({
    ok: false as const,
    field,
    rule,
    message,
  });
  const [notUtf8] = queryUtf8Violations(rawQueryString);
  if (notUtf8 !== undefined) return { ok: false, ...notUtf8 };
  const unknown = Object.keys(query).find((name) => !FILTERS.includes(name));
  if (unknown !== undefined) {
    const field = unknown.slice(0, MAX_ECHOED_NAME_CHARS);
    return fail(field, 'unknown-field', `${field} is not a known filter; allowed: ${FILTERS.join(', ')}`);
  }
  // API Gateway joins a repeated parameter's values with commas: one made-up filter, so it is refused.
  const names = [...new URLSearchParams(rawQueryString).keys()];
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    const field = repeated.slice(0, MAX_ECHOED_NAME_CHARS);
    return fail(field, 'type', `${field} must be given once`);
  }
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
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  if (!/^\d{1,4}$/.test(query.limit ?? '100') || limit < 1 || limit > 1000)
    return fail('limit', 'range', 'limit must be an integer from 1 to 1000');
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
