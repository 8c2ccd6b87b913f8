/**
 * Invokes a function bundle as Lambda would for a scheduled event: imports it once, then runs `handler` with
 * the event from the parent's IPC message `times` times in a row (one warm container serving consecutive
 * schedules), each with a fresh context of `timeoutMs`. Answers each invocation's result, the wall time and
 * the process's peak RSS (`process.resourceUsage().maxRSS`), since this process holds only the function.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const contextFor = (functionName, timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
};

const run = async ({ bundle, event, times, timeoutMs }) => {
  const { handler } = await import(pathToFileURL(bundle).href);
  const rssBeforeBytes = process.memoryUsage.rss();
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench-function';
  const results = [];
  const started = performance.now();
  for (let invocation = 0; invocation < times; invocation++) {
    results.push(await handler(structuredClone(event), contextFor(functionName, timeoutMs)));
  }
  return {
    results,
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
