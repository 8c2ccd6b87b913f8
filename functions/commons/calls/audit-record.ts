import type { ErrorDescription } from '../errors.ts';
import { MAX_ECHOED_NAME_CHARS } from '../platform/settings.ts';
import {
  AUDITED_CHANGE_FIELDS,
  type AuditActor,
  type AuditedChange,
  type AuditLog,
  type AuditOutcome,
  type AuditRecord,
  type AuditTrigger,
  audit,
} from './audit.ts';

/** Who asked, through which trigger, for the audit record. */
export interface CallOrigin {
  trigger: AuditTrigger;
  actor: AuditActor;
  correlationId?: string;
}

/**
 * The change as an audit record keeps it: SignalWire's fields only, strings only, at most 2 KiB each, and no
 * `user:password@` in a URL (such URLs are refused, but a refusal is audited with what was sent); a transfer's
 * SIP address keeps its user.
 */
export const changeForAudit = (change: unknown): AuditedChange => {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) return {};
  const kept: Record<string, string> = {};
  for (const field of AUDITED_CHANGE_FIELDS) {
    const value = (change as Record<string, unknown>)[field];
    if (typeof value !== 'string') continue;
    const cut = value.length > 2048 ? value.slice(0, 2048) : value;
    // Whatever a URL parser could read as `user:password@`: after the leading whitespace and C0 controls a parser may strip,
    // an optional scheme (`//u:p@host` is scheme-relative) and any slashes or backslashes, up to the last `@`
    // before the path. The pattern needs an `@`, so a value without one (a status, most URLs) is kept as it is.
    // A SIP URI's user is its address, not a credential: only a `user:password@` of one is hidden.
    const sip = field === 'Transfer' && /^\s*sips?:/i.test(cut);
    kept[field] = !cut.includes('@')
      ? cut
      : sip
        ? cut.replace(/^(\s*sips?:)[^@]*:[^@]*@/i, '$1***@')
        : cut.replace(/^([\s\p{Cc}]*(?:[a-z][a-z0-9+.-]*:)?[\\/]*)[^/?#\\]*@/iu, '$1***@');
  }
  return kept as AuditedChange;
};

/** What an audit record says happened, besides who asked and for what. */
export interface AuditedResult {
  outcome: AuditOutcome;
  reason: string;
  priorStatus?: string;
  resultingStatus?: string;
  api?: 'compatibility' | 'calling';
  errorCode?: string;
  signalwireCode?: number;
}

/** The audit result of a described failure: `rejected` below 500 (the request's fault), else `failed`. */
export const failureResult = (described: ErrorDescription, reasonPrefix?: string): AuditedResult => ({
  outcome: described.httpStatus < 500 ? 'rejected' : 'failed',
  reason: reasonPrefix ? `${reasonPrefix}; ${described.message}` : described.message,
  errorCode: described.code,
  ...(described.signalwire?.code != null ? { signalwireCode: described.signalwire.code } : {}),
});

/** A SID of the record, cut; `absent` when it is not a string (an invalid request's). */
const cutName = (value: unknown, absent: string): string =>
  typeof value === 'string' ? value.slice(0, MAX_ECHOED_NAME_CHARS) : absent;

/**
 * The one builder of audit records, for every trigger and every outcome (applied, refused before SignalWire,
 * refused or failed by SignalWire, a cleanup's dry run). Inputs that may come from an invalid request are cut.
 */
export const writeAuditRecord = (
  log: AuditLog,
  origin: CallOrigin,
  target: { accountSid?: unknown; callSid?: unknown; change?: unknown },
  result: AuditedResult,
): void => {
  const { outcome, reason, ...details } = result;
  audit(log, {
    trigger: origin.trigger,
    actor: origin.actor,
    accountSid: cutName(target.accountSid, 'default'),
    callSid: cutName(target.callSid, 'unknown'),
    change: changeForAudit(target.change),
    outcome,
    reason,
    ...details,
    ...(origin.correlationId ? { correlationId: origin.correlationId } : {}),
  });
};

/** The JSON every record of one origin and project starts and ends with: made once for a run of records. */
export interface AuditRecordFrame {
  /** The record's JSON up to its `callSid`'s value: `{"trigger":…,"actor":…,"accountSid":…,"callSid":`. */
  readonly head: string;
  /** After its last field: the origin's `correlationId` when it has one, and the closing brace. */
  readonly tail: string;
}

/** The frame of the records of `origin` in the project `accountSid` (cut as {@link writeAuditRecord} cuts it). */
export const auditRecordFrame = (origin: CallOrigin, accountSid: unknown): AuditRecordFrame => {
  const fixed = { trigger: origin.trigger, actor: origin.actor, accountSid: cutName(accountSid, 'default') };
  return {
    head: `${JSON.stringify(fixed).slice(0, -1)},"callSid":`,
    tail: origin.correlationId ? `,"correlationId":${JSON.stringify(origin.correlationId)}}` : '}',
  };
};

/** Values of the fields {@link auditRecordJson} keeps the JSON of, at most: what a cleanup's records take is a handful. */
const QUOTED_MAX = 64;

/**
 * The JSON of the values the record's fields of few values take (the outcome, the statuses, the API, an error code),
 * made once each: `JSON.stringify` of a short string costs more than the rest of its field. Past
 * {@link QUOTED_MAX} values, a value not kept is serialised each time.
 */
const quoted = new Map<string, string>();

const quote = (value: unknown): string => {
  if (typeof value !== 'string') return JSON.stringify(value);
  let json = quoted.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    if (quoted.size < QUOTED_MAX) quoted.set(value, json);
  }
  return json;
};

/**
 * The record {@link writeAuditRecord} would write, as the text `JSON.stringify` makes of it (same fields, same
 * order), built from a frame made once: the origin's actor is serialised once per run, not once per record, and
 * no record object is made. `change` is the change's JSON as {@link changeForAudit} keeps it.
 */
export const auditRecordJson = (
  frame: AuditRecordFrame,
  callSid: unknown,
  change: string,
  result: AuditedResult,
): string => {
  let text = `${frame.head}${JSON.stringify(cutName(callSid, 'unknown'))},"change":${change},"outcome":${quote(result.outcome)}`;
  if (result.reason !== undefined) text += `,"reason":${JSON.stringify(result.reason)}`;
  // The rest in the result's own order, as the record's `...details` spreads it (own keys only: an inherited one,
  // from a polluted prototype, is no field of the record); `undefined` is left out as JSON does.
  for (const key in result) {
    if (key === 'outcome' || key === 'reason' || !Object.hasOwn(result, key)) continue;
    const value = result[key as keyof AuditedResult];
    if (value !== undefined) text += `,"${key}":${quote(value)}`;
  }
  return text + frame.tail;
};

/**
 * Writes a record {@link auditRecordJson} made: as its JSON to a log that takes it so (the functions' logger), else
 * as the record itself (the CLI's file, a test's log).
 */
export const writeAuditJson = (log: AuditLog, json: string): void => {
  if (log.auditJson) log.auditJson(json);
  else audit(log, JSON.parse(json) as AuditRecord);
};
