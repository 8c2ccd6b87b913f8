import { describeError, type ErrorDescription, isCallNotFound, SignalWireError } from '../errors.ts';
import type { SignalWireAccess } from '../signalwire/access.ts';
import { isStateConflictCode } from '../signalwire/api-facts.ts';
import { canonicalSid } from '../signalwire/sids.ts';
import {
  type CallListPage,
  type CallUpdate,
  type CallView,
  isFinalStatus,
  type ListCallsFilter,
} from '../signalwire/types.ts';
import type { AuditedChange, AuditLog } from './audit.ts';
import { type AuditedResult, type CallOrigin, failureResult, writeAuditRecord } from './audit-record.ts';
import type { CallsApi, RequestOptions } from './port.ts';
import type { CallActionResult } from './result.ts';

/**
 * What a caller asks of one call: an update with SignalWire's fields, or to end it whatever its state
 * (`completed` hangs up; `canceled`, which a cleanup uses for calls not yet answered, only ends those).
 */
export type CallAction =
  | { kind: 'update'; update: CallUpdate }
  | { kind: 'terminate'; status?: 'completed' | 'canceled' };

export type { CallActionResult } from './result.ts';

/** One request to act on a call, from any trigger: who asked, through what, for which project, call and change. */
export interface CallCommand extends CallOrigin {
  /** The project (account SID) asked for; absent for the secret's default project. */
  project?: string;
  callSid: string;
  action: CallAction;
  /** Ends the SignalWire requests (the trigger's deadline). */
  signal?: AbortSignal;
}

/** What a command came to. A failure is described once, here, for every trigger to report as it must. */
export type CallOutcome =
  | ({ ok: true; accountSid: string; callSid: string } & CallActionResult)
  | {
      ok: false;
      /** The project, once known (null when it could not be chosen). */
      accountSid: string | null;
      callSid: string;
      error: ErrorDescription;
      /** The error itself, for logging an unexpected one in full. */
      cause: unknown;
      /** Which API owns the call, once known (`calls/native-calls.ts`). */
      api?: CallActionResult['api'];
    };

/** A read or a list of one project's calls. */
export interface CallQuery {
  project?: string;
  signal?: AbortSignal;
}

/** The call service: every trigger's one way to act on, read and list calls. */
export interface CallService {
  /** Chooses the project, applies the action through the port, writes the one audit record, never throws. */
  apply(command: CallCommand): Promise<CallOutcome>;
  /**
   * `apply`, except that SignalWire's "call not found" (a 404: the change was applied nowhere) comes back
   * unaudited as `{ notFound }`, for a caller that then asks the native API and audits what that comes to
   * (`native-calls.ts`, write-first). Every other outcome is audited and returned as `apply` does.
   */
  applyUnlessNotFound(command: CallCommand): Promise<CallOutcome | { notFound: SignalWireError }>;
  /** Audits an action refused before it could be applied (invalid input, a disallowed source), once. */
  refuse(origin: CallOrigin, target: RefusedTarget, error: unknown): ErrorDescription;
  get(query: CallQuery & { callSid: string }): Promise<CallView>;
  /** One page of List Calls: the first (from filters) or the one a `next_page_uri` of the project names. */
  list(query: CallQuery & { from: ListCallsFilter | { nextPageUri: string } }): Promise<CallListPage>;
}

/** What is known of a refused action: whatever the invalid input held, read leniently. */
export interface RefusedTarget {
  accountSid?: unknown;
  callSid?: unknown;
  change?: unknown;
}

/** The change an action sends, in SignalWire's field names (for audit records and events). */
export const changeOf = (action: CallAction): CallUpdate =>
  action.kind === 'terminate' ? { Status: action.status ?? 'completed' } : action.update;

/** SignalWire refuses an update that the call's state forbids with these codes. */
const isStateConflict = (error: unknown): error is SignalWireError =>
  error instanceof SignalWireError && isStateConflictCode(error.code);

/**
 * Ending a call is idempotent: when SignalWire refuses an end request because the call is already over, the
 * call is fetched and returned as `already-ended` instead of failing, so ending twice, or racing the caller's
 * own hang-up, is harmless. Any other refusal stands.
 */
const endedMeanwhile = async (
  api: CallsApi,
  callSid: string,
  refusal: unknown,
  options: RequestOptions,
): Promise<CallActionResult> => {
  if (!isStateConflict(refusal)) throw refusal;
  const call = await api.getCall(callSid, options);
  if (isFinalStatus(call.status)) return { call, outcome: 'already-ended' };
  throw refusal;
};

/**
 * Applies one action to a call of a project already chosen, without auditing: the cleanup, which reports
 * and audits a run's calls its own way (throttled ends are sent again), uses this with {@link auditOutcome}.
 */
export const applyToProject = async (
  api: CallsApi,
  accountSid: string,
  command: Pick<CallCommand, 'callSid' | 'action' | 'signal'>,
): Promise<CallOutcome> => {
  const { action, signal } = command;
  const callSid = canonicalSid(command.callSid);
  const options = { signal };
  try {
    let result: CallActionResult;
    // One async function for the request, whatever the action (a cleanup sends one per ended call).
    try {
      result = { call: await api.updateCall(callSid, changeOf(action), options), outcome: 'updated' };
    } catch (error) {
      // An end through the update route too, once the client resent it after an answer was lost: the call may
      // have ended by the first attempt, and the refusal of the resend must not say the end failed.
      if (action.kind !== 'terminate' && !(action.update.Status && (error as { resent?: boolean }).resent))
        throw error;
      result = await endedMeanwhile(api, callSid, error, options);
    }
    return { ok: true, accountSid, callSid, ...result };
  } catch (error) {
    return { ok: false, accountSid, callSid, error: describe(action, error), cause: error };
  }
};

/** A lost answer to a redirect is REDIRECT_OUTCOME_UNKNOWN: resending it would restart the call flow. */
const describe = (action: CallAction, error: unknown): ErrorDescription =>
  describeError(error, { redirect: changeOf(action).Url !== undefined });

/** The non-empty of two reasons, joined by `; ` (one string, no array: a cleanup writes one per ended call). */
const joinReason = (first: string, second: string): string =>
  first && second ? `${first}; ${second}` : first || second;

/** The audit result of an outcome; `rule` (a cleanup's reason) goes first in the reason when given. */
export const auditedResultOf = (outcome: CallOutcome, rule?: string): AuditedResult => {
  if (!outcome.ok) return failureResult(outcome.error, rule);
  const ended =
    outcome.outcome === 'already-ended' ? `the call had already ended (${outcome.call.status})` : '';
  const reason = joinReason(rule ?? (ended ? '' : 'applied'), ended);
  const { status } = outcome.call;
  // A native call whose status SignalWire did not give has none to record. Two literals, not one with a spread
  // of a conditional one: that spread's runtime calls cost each ended call's record 1.6 k instructions.
  return status === null
    ? { outcome: outcome.outcome, reason }
    : { outcome: outcome.outcome, resultingStatus: status, reason };
};

/** Writes the one audit record of a command's outcome. */
export const auditOutcome = (
  log: AuditLog,
  command: CallOrigin & { action: CallAction; project?: string },
  outcome: CallOutcome,
  extra: { rule?: string; priorStatus?: string; change?: AuditedChange } = {},
): void =>
  writeAuditRecord(
    log,
    command,
    {
      accountSid: outcome.accountSid ?? command.project,
      callSid: outcome.callSid,
      change: extra.change ?? changeOf(command.action),
    },
    {
      ...auditedResultOf(outcome, extra.rule),
      ...(extra.priorStatus ? { priorStatus: extra.priorStatus } : {}),
    },
  );

/** The call service over an access to SignalWire (credentials, one client per project) and an audit log. */
export const createCallService = (
  access: Pick<SignalWireAccess, 'forAccount'>,
  log: AuditLog,
): CallService => {
  /** The outcome of a command, not yet audited, with the project it was audited under. */
  const attempt = async (command: CallCommand) => {
    const project = command.project === undefined ? undefined : canonicalSid(command.project);
    let outcome: CallOutcome;
    try {
      const api = await access.forAccount(project);
      outcome = await applyToProject(api, api.projectId, command);
    } catch (error) {
      // The project could not be chosen (an account the secret does not hold, credentials unreadable).
      const callSid = canonicalSid(command.callSid);
      outcome = {
        ok: false,
        accountSid: null,
        callSid,
        error: describe(command.action, error),
        cause: error,
      };
    }
    return { audited: { ...command, ...(project ? { project } : {}) }, outcome };
  };
  return {
    async apply(command) {
      const { audited, outcome } = await attempt(command);
      auditOutcome(log, audited, outcome);
      return outcome;
    },

    async applyUnlessNotFound(command) {
      const { audited, outcome } = await attempt(command);
      if (!outcome.ok && isCallNotFound(outcome.cause)) return { notFound: outcome.cause };
      auditOutcome(log, audited, outcome);
      return outcome;
    },

    refuse(origin, target, error) {
      const described = describeError(error, {
        redirect: ['Url', 'Transfer'].some(
          (field) => typeof (target.change as Record<string, unknown> | undefined)?.[field] === 'string',
        ),
      });
      writeAuditRecord(log, origin, target, failureResult(described));
      return described;
    },

    async get({ project, callSid, signal }) {
      const api = await access.forAccount(project);
      return api.getCall(canonicalSid(callSid), { signal });
    },

    async list({ project, signal, from }) {
      const api = await access.forAccount(project);
      return api.listCallsPage(from, { signal });
    },
  };
};
