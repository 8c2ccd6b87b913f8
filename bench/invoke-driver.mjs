/**
 * Invokes a function bundle as Lambda would for a scheduled event: imports it once, then runs `handler` with
 * the event from the parent's IPC message `times` times in a row (one warm container serving consecutive
 * schedules), each with a fresh context of `timeoutMs`. Answers each invocation's result, the wall time and
 * the process's peak RSS (`process.resourceUsage().maxRSS`), since this process holds only the function.
 * With `events` instead of `event`: invokes each once, in turn (distinct events, as a rule delivers them), and
 * answers each invocation's duration too. `alias` puts the trigger's alias in the invoked ARN, as deployed.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const contextFor = (functionName, timeoutMs, alias) => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}${alias ? `:${alias}` : ''}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
};

const run = async ({ bundle, event, events, times, timeoutMs, alias }) => {
  const { handler } = await import(pathToFileURL(bundle).href);
  const rssBeforeBytes = process.memoryUsage.rss();
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench-function';
  const results = [];
  const durationsMs = [];
  const started = performance.now();
  const all = events ?? Array.from({ length: times }, () => event);
  for (const each of all) {
    const invoked = performance.now();
    results.push(await handler(structuredClone(each), contextFor(functionName, timeoutMs, alias)));
    durationsMs.push(performance.now() - invoked);
  }
  return {
    results,
    durationsMs,
    wallMs: performance.now() - started,
    rssBeforeBytes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
};

process.once('message', (message) => {
  run(message).then(
    (answer) => process.send(answer, () => process.exit(0)),
    (error) => process.send({ error: String(error?.stack ?? error) }, () => process.exit(1)),
  );
});
