import { type AuditActor, type AuditLog, type AuditOutcome, type AuditTrigger, audit } from './audit.ts';
import { describeError, SignalWireError } from './errors.ts';
import {
  CALL_UPDATE_FIELDS,
  type Call,
  type CallsApi,
  type CallUpdate,
  isFinalStatus,
  type RequestOptions,
} from './signalwire/types.ts';

/** What a caller asks of one call: an update with SignalWire's fields, or to end it whatever its state. */
export type CallAction = { kind: 'update'; update: CallUpdate } | { kind: 'terminate' };

export interface CallActionResult {
  call: Call;
  /** `already-ended`: a terminate found the call over; the call is returned as it is now. */
  outcome: 'updated' | 'already-ended';
}

/** Who asked, for the audit record. */
export interface ActionOrigin {
  trigger: AuditTrigger;
  actor: AuditActor;
  correlationId?: string;
}

/** SignalWire refuses an update that the call's state forbids with these codes. */
const isStateConflict = (error: unknown): error is SignalWireError =>
  error instanceof SignalWireError && (error.code === 10000 || error.code === 21220);

/**
 * Ends a call: `completed` hangs up whatever its state, `canceled` only ends one not yet answered.
 * Idempotent: when SignalWire refuses because the call is already over, the call is fetched and returned
 * as `already-ended` instead of failing, so ending twice, or racing the caller's own hang-up, is harmless.
 */
export const endCall = async (
  api: CallsApi,
  callSid: string,
  status: 'completed' | 'canceled' = 'completed',
  options?: RequestOptions,
): Promise<CallActionResult> => {
  try {
    return { call: await api.updateCall(callSid, { Status: status }, options), outcome: 'updated' };
  } catch (error) {
    if (!isStateConflict(error)) throw error;
    const call = await api.getCall(callSid, options);
    if (isFinalStatus(call.status)) return { call, outcome: 'already-ended' };
    throw error;
  }
};

/** The change an action sends, in SignalWire's field names (for audit records and events). */
export const changeOf = (action: CallAction): CallUpdate =>
  action.kind === 'terminate' ? { Status: 'completed' } : action.update;

/**
 * The change as an audit record keeps it: SignalWire's fields only, strings only, at most 2 KiB each, and no
 * `user:password@` in a URL (such URLs are refused, but a refusal is audited with what was sent).
 */
export const changeForAudit = (change: unknown): CallUpdate => {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) return {};
  const kept: Record<string, string> = {};
  for (const field of CALL_UPDATE_FIELDS) {
    const value = (change as Record<string, unknown>)[field];
    if (typeof value !== 'string') continue;
    // Whatever a URL parser could read as `user:password@` (any slashes or backslashes after the scheme).
    kept[field] = value.slice(0, 2048).replace(/^(\s*[a-z][a-z0-9+.-]*:[\\/]*)[^/?#\\]*@/i, '$1***@');
  }
  return kept as CallUpdate;
};

/** Errors whose audit record `performCallAction` already wrote, so a trigger does not write a second one. */
const audited = new WeakSet<object>();

/** True for an error `performCallAction` audited, or one wrapping it (Powertools Idempotency wraps errors). */
const wasAudited = (error: unknown): boolean => {
  for (let current = error, depth = 0; depth < 3; depth++) {
    if (typeof current !== 'object' || current === null) return false;
    if (audited.has(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
};

/**
 * The audit record of an action refused before it reached SignalWire (invalid input, an account the secret
 * does not hold, credentials that cannot be read): one per action, like every other outcome.
 */
export const auditRefusal = (
  logger: AuditLog,
  origin: ActionOrigin,
  target: { accountSid?: unknown; callSid?: unknown },
  change: unknown,
  error: unknown,
): void => {
  if (wasAudited(error)) return;
  const described = describeError(error);
  audit(logger, {
    trigger: origin.trigger,
    actor: origin.actor,
    accountSid: typeof target.accountSid === 'string' ? target.accountSid.slice(0, 64) : 'default',
    callSid: typeof target.callSid === 'string' ? target.callSid.slice(0, 64) : 'unknown',
    change: changeForAudit(change),
    outcome: described.httpStatus < 500 ? 'rejected' : 'failed',
    reason: described.message,
    errorCode: described.code,
    ...(origin.correlationId ? { correlationId: origin.correlationId } : {}),
  });
};

/**
 * Applies one action through the port and writes its audit record, whatever the outcome. Errors are
 * rethrown unchanged for the trigger to map (HTTP status, failure event).
 */
export const performCallAction = async (
  api: CallsApi & { readonly projectId: string },
  logger: AuditLog,
  origin: ActionOrigin,
  callSid: string,
  action: CallAction,
  options?: RequestOptions,
): Promise<CallActionResult> => {
  const change = changeOf(action);
  const base = {
    trigger: origin.trigger,
    actor: origin.actor,
    accountSid: api.projectId,
    callSid,
    change: changeForAudit(change),
    ...(origin.correlationId ? { correlationId: origin.correlationId } : {}),
  };
  try {
    const result =
      action.kind === 'terminate'
        ? await endCall(api, callSid, 'completed', options)
        : { call: await api.updateCall(callSid, action.update, options), outcome: 'updated' as const };
    audit(logger, {
      ...base,
      outcome: result.outcome,
      resultingStatus: result.call.status,
      reason:
        result.outcome === 'already-ended' ? `the call had already ended (${result.call.status})` : 'applied',
    });
    return result;
  } catch (error) {
    const described = describeError(error, { redirect: change.Url !== undefined });
    const outcome: AuditOutcome = described.httpStatus < 500 ? 'rejected' : 'failed';
    audit(logger, {
      ...base,
      outcome,
      reason: described.message,
      errorCode: described.code,
      ...(described.signalwire?.code != null ? { signalwireCode: described.signalwire.code } : {}),
    });
    if (typeof error === 'object' && error !== null) audited.add(error);
    throw error;
  }
};
