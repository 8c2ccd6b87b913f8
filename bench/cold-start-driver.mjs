/**
 * One cold start: imports a handler bundle, invokes it once with the API Gateway event in BENCH_EVENT, writes
 * its timings as one JSON line to file descriptor 3 and exits. Times are `performance.now()`, milliseconds
 * since this process started.
 */
import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const started = performance.now();
const { handler } = await import(pathToFileURL(process.argv[2]).href);
const imported = performance.now();

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench-function';
const deadline = Date.now() + 30_000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
const result = await handler(JSON.parse(process.env.BENCH_EVENT), context);
const answered = performance.now();
const cpu = process.cpuUsage();

writeSync(
  3,
  `${JSON.stringify({
    statusCode: result?.statusCode,
    startedMs: started,
    importMs: imported - started,
    firstInvokeMs: answered - imported,
    readyMs: answered,
    // User + system CPU of this process from its start (node's own bootstrap included) to the answer.
    cpuMs: (cpu.user + cpu.system) / 1000,
  })}\n`,
);
// Lambda freezes the process here; kept-alive sockets must not keep this one alive.
process.exit(0);
