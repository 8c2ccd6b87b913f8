/**
 * Bounds of the cleanup's settings, shared by the function (which refuses anything else at cold start) and
 * the CDK construct (which refuses it at synth time, before a deployment that could not run).
 */

/** End requests in flight at once. */
export const CLEANUP_CONCURRENCY = { min: 1, max: 50, default: 10 } as const;
