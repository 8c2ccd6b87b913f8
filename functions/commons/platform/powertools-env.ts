/**
 * Powertools' environment reads (`@aws-lambda-powertools/commons/utils/env`) as every function bundle has them in
 * place of the original (infra/runtime.ts BUNDLE_ALIAS): the same module, but whether invocations run
 * concurrently (`AWS_LAMBDA_MAX_CONCURRENCY`) is decided once. Powertools decides it again on every use of each of
 * its per-invocation stores: a warm http-api invocation read the variable 16 times, about 2 µs of CPU. Lambda sets
 * it before the function loads and never changes it within an execution environment; the one variable that
 * changes per invocation, the trace header (`_X_AMZN_TRACE_ID`), is still read every time by Powertools' own
 * functions. The original comes in through the package's `#powertools-env` import, which the alias leaves alone.
 * Tests and `npm start` run the sources, with Powertools' module as it is.
 */
import { shouldUseInvokeStore as decide } from '#powertools-env';

export * from '#powertools-env';

let concurrent: boolean | undefined;

export const shouldUseInvokeStore: typeof decide = () => (concurrent ??= decide());
