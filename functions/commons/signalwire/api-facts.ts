/**
 * Facts of SignalWire's Compatibility API the project relies on, written once (see `/docs/architecture.md`,
 * "Where a change goes"): the functions, the local emulator's tests and the CLI read them from here.
 */

/**
 * SignalWire's error codes meaning "the call's state forbids this update": 10000 (invalid argument, e.g.
 * canceling an answered call) and 21220 (the call is not in progress). Only an update can conflict with a
 * call's state; on a read or a listing, 10000 is a refused value.
 */
export const STATE_CONFLICT_CODES: ReadonlySet<number> = new Set([10000, 21220]);

/** Whether SignalWire's error code says the call's state forbids the update. */
export const isStateConflictCode = (code: number | undefined): boolean =>
  code !== undefined && STATE_CONFLICT_CODES.has(code);

/** The Status a terminate sends: `completed` ends a call in any state (`canceled` only a queued or ringing one). */
export const TERMINATE_STATUS = 'completed';

/** The change a terminate sends, in SignalWire's field names. */
export const terminateChange = (): { Status: typeof TERMINATE_STATUS } => ({ Status: TERMINATE_STATUS });
