import { CALL_UPDATE_FIELDS, type CallUpdate } from '../signalwire/types.ts';

/** What set an action off. `cli`: the `call-control` command talking to SignalWire itself (`--direct`). */
export type AuditTrigger = 'http' | 'schedule' | 'event' | 'cli';

/**
 * `updated`: SignalWire applied the change. `already-ended`: the call had ended, nothing to do.
 * `rejected`: refused (invalid request, or the call's state forbids it). `failed`: could not be done now.
 * `would-end`: a dry run found the call and ended nothing.
 */
export type AuditOutcome = 'updated' | 'already-ended' | 'rejected' | 'failed' | 'would-end';

/**
 * Who asked, kept apart by who says so: `attested` holds what AWS itself vouches for (`invokedAs`, the ARN
 * Lambda says the function was invoked through, and, only when that is the trigger's own alias, the IAM
 * principal or JWT claims API Gateway's authorizer checked, the account EventBridge received the event from,
 * the schedule ARN and execution id EventBridge Scheduler put in the input); `claimed` holds what the caller
 * wrote and nothing checked (an event's `source`, a cleanup input's `scheduleName`, and every identity field of
 * a direct invoke, whose invoker writes the whole input).
 */
export interface AuditActor {
  /** One line to filter on: the IAM principal ARN, `jwt:<subject>`, the schedule's name, or the event's source. */
  name: string;
  attested: Record<string, string>;
  claimed: Record<string, string>;
}

/**
 * A change as audit records keep it: an update's fields, or a native call's transfer (`Transfer`: where to,
 * the `dest` of `calling.transfer`), which no update field says honestly.
 */
export type AuditedChange = CallUpdate & { Transfer?: string };

/** The fields an audited change may hold. */
export const AUDITED_CHANGE_FIELDS = [...CALL_UPDATE_FIELDS, 'Transfer'] as const;

/** One audit record per action: a structured log line a user can query (README, "Audit records"). */
export interface AuditRecord {
  trigger: AuditTrigger;
  actor: AuditActor;
  accountSid: string;
  callSid: string;
  /** The requested change, in SignalWire's field names (URLs included; they carry no credentials). */
  change: AuditedChange;
  outcome: AuditOutcome;
  /** Why, in words: SignalWire's message, the validation failure, the cleanup rule that matched. */
  reason?: string;
  priorStatus?: string;
  resultingStatus?: string;
  /** The API that owns the call (`compatibility` or `calling`), when the writer knows it: the cleanup does. */
  api?: 'compatibility' | 'calling';
  errorCode?: string;
  signalwireCode?: number;
  correlationId?: string;
}

/** The message every audit line carries, so `filter message = "call-control audit"` finds them all. */
export const AUDIT_MESSAGE = 'call-control audit';

/** The message of the cleanup function's one report line per run (the report under `report`). */
export const CLEANUP_REPORT_MESSAGE = 'cleanup report';

/** The message of the cleanup function's log line when it refuses the policy it was given. */
export const CLEANUP_POLICY_REJECTED_MESSAGE = 'cleanup policy rejected; nothing was ended';

/**
 * Where audit records are written: the functions' Powertools logger (CloudWatch Logs), or, for the
 * `call-control` CLI, a file of JSON lines in the same shape.
 */
export interface AuditLog {
  info(message: typeof AUDIT_MESSAGE, attributes: { audit: AuditRecord }): void;
  /**
   * Writes the same line of a record already serialised (the text `JSON.stringify` makes of an AuditRecord): a log
   * that has this takes the cleanup's records so (calls/audit-record.ts `writeAuditJson`).
   */
  auditJson?(json: string): void;
}

export const audit = (logger: AuditLog, record: AuditRecord): void => {
  logger.info(AUDIT_MESSAGE, { audit: record });
};
