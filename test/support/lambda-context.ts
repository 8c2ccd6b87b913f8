import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { createLambdaContext } from '#local/lambda-context';

/** The Lambda context of one invocation of the cleanup function, as the audit-line tests give their loggers. */
export const cleanupContext = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'call-control-cleanup',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:call-control-cleanup',
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/call-control-cleanup',
  logStreamName: '2026/12/06/[$LATEST]abc',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;

/**
 * A fresh Lambda context of one invocation of `functionName` (its own request id), 512 MB, 30 s left: the local
 * stack's own context (local/lambda-context.ts).
 */
export const lambdaContext = (functionName: string): Context =>
  createLambdaContext({ functionName, timeoutMs: 30_000, memoryMB: 512 });

/** Invokes `handler` and returns its answer and the lines it wrote to stdout, parsed (none reach the real stdout). */
export const invokeCapturingStdout = async <E, A>(
  handler: (event: E, context: Context) => Promise<A>,
  event: E,
  invocation: Context,
) => {
  const lines: Array<Record<string, unknown>> = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
  try {
    return { answer: await handler(event, invocation), lines, invocation };
  } finally {
    write.mockRestore();
  }
};
