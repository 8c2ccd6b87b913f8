import { shouldUseInvokeStore } from '@aws-lambda-powertools/commons/utils/env';

/**
 * Whether invocations run concurrently in one execution environment (Lambda Managed Instances:
 * `AWS_LAMBDA_MAX_CONCURRENCY` set), decided by Powertools' own check: Powertools then keeps its per-invocation
 * state (metrics, dimensions, temporary log keys, a level set in an invocation) apart for each invocation, in the
 * runtime's per-invocation store (`@aws/lambda-invoke-store`), which a template of one instance's state cannot
 * follow.
 */
export const concurrentInvocations: () => boolean = shouldUseInvokeStore;

/** The part of the runtime's per-invocation store that init code needs. */
interface InvokeStore {
  run<T>(context: Record<PropertyKey, unknown>, fn: () => T): T;
}

/**
 * Where invocations run concurrently, when this module loads, the store the runtime publishes (`globalThis.awslambda.InvokeStore`) before
 * it loads the function, and runs every invocation in a context of its own; elsewhere `undefined`. Powertools
 * throws "No context available" when it reaches for per-invocation state outside any context: Powertools 2.35's
 * `new Metrics()` does (setting its default dimensions reads the current invocation's), so every function failed
 * at init. Work done at init in a context of this store's own, that no invocation shares, leaves what it put there
 * behind; what Powertools keeps for the process (default dimensions, persistent keys, the base level) lives on the
 * instance.
 */
export const initStore: InvokeStore | undefined = concurrentInvocations()
  ? (globalThis as { awslambda?: { InvokeStore?: InvokeStore } }).awslambda?.InvokeStore
  : undefined;
