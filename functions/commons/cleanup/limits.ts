/**
 * Bounds of the cleanup's settings, shared by the function (which refuses anything else at cold start) and
 * the CDK construct (which refuses it at synth time, before a deployment that could not run).
 */

/** End requests in flight at once. */
export const CLEANUP_CONCURRENCY = { min: 1, max: 50, default: 10 } as const;

/**
 * End requests started per second. SignalWire allows 13,800 POST/PUT/PATCH requests per 10 s for the whole
 * account, shared with the HTTP API and the event consumer: the default, 200 per second (2,000 per 10 s),
 * leaves most of it to them. The maximum is the account's whole budget.
 */
export const CLEANUP_ENDS_PER_SECOND = { min: 1, max: 1380, default: 200 } as const;
