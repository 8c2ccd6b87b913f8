/**
 * The part of Lambda's per-invocation store (`@aws/lambda-invoke-store`) that init code needs. Where invocations
 * run concurrently in one environment (Lambda Managed Instances: `AWS_LAMBDA_MAX_CONCURRENCY` set), the runtime
 * publishes it as `globalThis.awslambda.InvokeStore` before it loads the function, and runs every invocation in a
 * context of its own; Powertools then keeps its per-invocation state (metrics, dimensions, temporary log keys)
 * in the current context, and throws "No context available" when there is none.
 */
interface InvokeStore {
  hasContext(): boolean;
  run<T>(context: Record<PropertyKey, unknown>, fn: () => T): T;
}

const invokeStore = (): InvokeStore | undefined =>
  (globalThis as { awslambda?: { InvokeStore?: InvokeStore } }).awslambda?.InvokeStore;

/**
 * Whether invocations run concurrently (`AWS_LAMBDA_MAX_CONCURRENCY` set, read as Powertools reads it): Powertools
 * then keeps its per-invocation state apart for each, which a template of one instance's state cannot follow.
 */
export function concurrentInvocations(): boolean {
  return (process.env.AWS_LAMBDA_MAX_CONCURRENCY ?? '').trim() !== '';
}

/**
 * Runs init work (a module's top level, outside any invocation) that touches Powertools' per-invocation state.
 * Powertools 2.35 does at construction: `new Metrics()` sets its default dimensions, which reads the dimensions of
 * the current invocation, so every function failed at init under concurrent invocations. Here such work runs in
 * a context of its own that no invocation shares, and what it leaves there is dropped with it; what Powertools
 * keeps for the process (default dimensions, persistent keys, the level) lives on the instance. Elsewhere (one
 * invocation at a time, or already inside an invocation) the work runs as it is.
 */
export function atInit<T>(work: () => T): T {
  const store = concurrentInvocations() ? invokeStore() : undefined;
  return store && !store.hasContext() ? store.run({}, work) : work();
}
